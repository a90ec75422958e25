"""The coaching pages of a train, included at ``arts/<art_slug>/coaching/``."""

from django.urls import path

from artops.coaching import views

urlpatterns = [
    path("", views.coaching, name="coaching"),
    path("export.csv", views.coaching_export, name="coaching_export"),
    path("observations/", views.observation_add, name="coaching_observation_add"),
    path("goals/", views.goal_add, name="coaching_goal_add"),
    path("goals/carry-over/", views.goals_carry_over, name="coaching_goals_carry_over"),
    path("goals/<int:goal_id>/", views.goal_detail, name="coaching_goal"),
    path("cop/", views.cop_sessions, name="coaching_cop"),
    path("cop/<int:session_id>/", views.cop_session, name="coaching_cop_session"),
    path("playbooks/", views.playbooks, name="playbooks"),
    path("playbooks/new/", views.playbook_add, name="playbook_add"),
    path("playbooks/<int:playbook_id>/", views.playbook, name="playbook"),
    path("playbooks/<int:playbook_id>/edit/", views.playbook_edit, name="playbook_edit"),
    path("playbooks/<int:playbook_id>/editors/", views.playbook_editors, name="playbook_editors"),
    path("playbooks/<int:playbook_id>/versions/<int:number>/", views.playbook_version, name="playbook_version"),
    path("playbooks/<int:playbook_id>/compare/", views.playbook_compare, name="playbook_compare"),
]
