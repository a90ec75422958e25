"""Pages of ART execution (syncs, team status, impediments, System Demos), under arts/<art_slug>/sync/."""

from django.urls import path

from sync.views import impediments, meeting_records, meetings, system_demos, team_status

M = "meetings/<int:meeting_id>/"

urlpatterns = [
    path("", meetings.sync_home, name="sync_home"),
    path("action-items.csv", meetings.action_items_csv, name="sync_action_items_csv"),
    path("events/<int:event_id>/", meetings.calendar_event_meeting, name="sync_calendar_event"),
    path(M, meetings.meeting_page, name="sync_meeting"),
    path(M + "live/", meetings.meeting_live, name="sync_meeting_live"),
    path(M + "timer/", meetings.meeting_timer, name="sync_meeting_timer"),
    path(M + "close/", meetings.meeting_close, name="sync_meeting_close"),
    path(M + "minutes/", meetings.meeting_minutes, name="sync_minutes"),
    path(M + "minutes.md", meetings.meeting_minutes_markdown, name="sync_minutes_md"),
    path(M + "agenda/pick/", meeting_records.agenda_pick, name="sync_agenda_pick"),
    path(M + "agenda/<int:agenda_item_id>/pin/", meeting_records.agenda_pin, name="sync_agenda_pin"),
    path(M + "agenda/<int:agenda_item_id>/move/", meeting_records.agenda_move, name="sync_agenda_move"),
    path(M + "agenda/<int:agenda_item_id>/swap/", meeting_records.agenda_swap, name="sync_agenda_swap"),
    path(M + "decisions/", meeting_records.decision_add, name="sync_decision_add"),
    path(M + "actions/", meeting_records.action_add, name="sync_action_add"),
    path(M + "actions/<int:action_id>/done/", meeting_records.action_done, name="sync_action_done"),
    path(M + "actions/<int:action_id>/drop/", meeting_records.action_drop, name="sync_action_drop"),
    path(M + "risks/<int:risk_id>/roam/", meeting_records.meeting_roam, name="sync_risk_roam"),
    path(M + "status/", team_status.team_status, name="sync_team_status"),
    path(M + "status/impediments/", team_status.team_impediment, name="sync_team_impediment"),
    path("impediments/", impediments.impediment_list, name="sync_impediments"),
    path("impediments.csv", impediments.impediments_csv, name="sync_impediments_csv"),
    path("impediments/<int:impediment_id>/escalate/", impediments.impediment_escalate, name="sync_impediment_escalate"),
    path("impediments/<int:impediment_id>/close/", impediments.impediment_close, name="sync_impediment_close"),
    path("demos/", system_demos.demo_list, name="sync_demos"),
    path("demos/<int:demo_id>/", system_demos.demo_page, name="sync_demo"),
    path("demos/<int:demo_id>/items/", system_demos.demo_item_add, name="sync_demo_item_add"),
    path("demos/<int:demo_id>/attendance/", system_demos.demo_attendance, name="sync_demo_attendance"),
    path("demos/<int:demo_id>/outcomes/", system_demos.demo_outcome, name="sync_demo_outcome"),
    path("demos/<int:demo_id>/feedback/", system_demos.feedback_add, name="sync_feedback_add"),
    path(
        "demos/<int:demo_id>/feedback/<int:feedback_id>/backlog/",
        system_demos.feedback_to_backlog,
        name="sync_feedback_backlog",
    ),
    path(
        "demos/<int:demo_id>/feedback/<int:feedback_id>/close/",
        system_demos.feedback_close,
        name="sync_feedback_close",
    ),
    path(
        "demos/<int:demo_id>/objectives/<int:objective_id>/business-value/",
        system_demos.demo_business_value,
        name="sync_demo_business_value",
    ),
]
