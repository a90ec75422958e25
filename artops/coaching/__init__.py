"""Coaching and playbooks: how the RTE grows the train's Scrum Masters and Product Owners, and
the train's shared ways of working.

- Observations of a team event and growth goals per PI are private: only the coach who wrote
  them and the person coached see them (``visible_to(user)``, used by every page, endpoint,
  export and the admin list of non-superusers).
- Community of practice sessions go on the ART calendar as events of the kind
  "Community of practice", each leading back to its session (``CALENDAR_EVENT_LINKS``).
- Playbooks are Markdown pages with every version kept; every member reads them, the RTE and
  the people the RTE names edit them.

Part of the core app ``artops`` (like ``artops.calendar``): its models are imported at the end
of ``artops/models.py``, its migrations live in ``artops/migrations/``. Nothing here imports
planning, risks, sync or metrics; planning reads a playbook's checklist to seed a PI's
readiness items (``planning.services.readiness.seed_readiness_from_playbook``).
"""
