"""Every change of the sync app, one function per user intent.

The same functions serve the pages, the API, the demo seeder and the shell. Each checks the
capability first, validates, writes atomically and returns the object; invalid input raises
``ValidationError`` with a clear message and nothing is written; a change based on a version
that is no longer current raises ``StaleVersion`` (a 409 on every interface).

- ``sync.services.meetings``: open a sync, its timer, the top 5, decisions, action items and
  team status;
- ``sync.services.impediments``: raise, escalate, resolve or drop an impediment;
- ``sync.services.system_demos``: System Demos, their items, outcomes and feedback.
"""

from artops.services import StaleVersion
from sync.services.impediments import (
    can_close,
    can_escalate,
    drop_impediment,
    escalate_impediment,
    raise_impediment,
    resolve_impediment,
)
from sync.services.meetings import (
    add_action_item,
    advance_timer,
    can_post_status,
    close_meeting,
    complete_action_item,
    drop_action_item,
    move_agenda_item,
    open_meeting,
    open_meeting_for_event,
    pause_timer,
    pick_agenda,
    pin_agenda_item,
    post_team_status,
    record_decision,
    resume_timer,
    start_meeting,
    swap_agenda_item,
)
from sync.services.system_demos import (
    add_demo_item,
    add_feedback,
    close_feedback,
    create_system_demo,
    record_attendance,
    set_demo_outcome,
    turn_feedback_into_backlog_item,
    update_system_demo,
)

__all__ = [
    "StaleVersion",
    "add_action_item",
    "add_demo_item",
    "add_feedback",
    "advance_timer",
    "can_close",
    "can_escalate",
    "can_post_status",
    "close_feedback",
    "close_meeting",
    "complete_action_item",
    "create_system_demo",
    "drop_action_item",
    "drop_impediment",
    "escalate_impediment",
    "move_agenda_item",
    "open_meeting",
    "open_meeting_for_event",
    "pause_timer",
    "pick_agenda",
    "pin_agenda_item",
    "post_team_status",
    "raise_impediment",
    "record_attendance",
    "record_decision",
    "resolve_impediment",
    "resume_timer",
    "set_demo_outcome",
    "start_meeting",
    "swap_agenda_item",
    "turn_feedback_into_backlog_item",
    "update_system_demo",
]
