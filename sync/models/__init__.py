"""ART execution: the ten weeks between two PI Plannings.

- Sync meetings (ART Sync, Coach Sync, PO Sync) with their agenda (the top 5 blockers of an
  ART Sync), the facilitator's timer, decisions and action items; team status posted before a
  sync.
- Impediments: what stops a team, escalated team → train → beyond the train.
- System Demos: per iteration, what each team showed of the integrated increment, the outcome
  per feature and the stakeholders' feedback.

The agenda's sections, the timer's arithmetic and the choice of the top 5 live in
``sync/agenda.py``; every state change in ``sync/services/``. Models keep the invariants the
database can keep, and querysets read like filters.
"""

from sync.models.demos import DemoFeedback, DemoItem, DemoOutcome, SystemDemo
from sync.models.impediments import Impediment, ImpedimentEscalation
from sync.models.meetings import ActionItem, AgendaItem, Decision, SyncMeeting, TeamStatus

__all__ = [
    "ActionItem",
    "AgendaItem",
    "Decision",
    "DemoFeedback",
    "DemoItem",
    "DemoOutcome",
    "Impediment",
    "ImpedimentEscalation",
    "SyncMeeting",
    "SystemDemo",
    "TeamStatus",
]
