"""Signals of the core, for the apps above it (DESIGN.md: models depend only downward).

The core knows nothing of planning, risks or sync; when something happens here that those apps
must follow, the core sends a signal and the app's ``AppConfig.ready`` connects its service to it.

- ``pi_created``: sent by ``services.create_pi`` inside its transaction, with ``pi`` (the new
  ProgramIncrement, its iterations already generated) and ``by`` (the User who created it, or
  ``None`` for data written directly, as test factories do). Planning gives the PI its readiness
  checklist (``planning.services.create_default_readiness``); a receiver that raises rolls the
  PI back with it.
- ``train_frame_changed``: sent inside the transaction of a change to what frames a train's
  boards: a team created, renamed, made inactive or active again (``art``, ``pi=None``), or a
  PI renamed or rescheduled (``art`` and that ``pi``). Planning moves the board clocks of those
  PIs, so that live boards and their shared renders show the change.
"""

from django.dispatch import Signal

pi_created = Signal()
train_frame_changed = Signal()
