"""Pages of PI Planning, under arts/<art_slug>/planning/."""

from django.urls import path, register_converter

from artops.parsing import StorableSegmentConverter
from planning.views import (
    backlog,
    backlog_import,
    committed_plan,
    jira_import,
    objectives,
    pi_plan,
    program_board,
    readiness,
    roadmap,
    team_board,
    vote,
)

TEAM = "pis/<int:pi_id>/teams/<int:team_id>"

# A feature key in a URL: any text but a NUL or a lone surrogate (which PostgreSQL cannot compare), 404.
register_converter(StorableSegmentConverter, "feature_key")

urlpatterns = [
    # The ART backlog and the roadmap.
    path("backlog/", backlog.backlog, name="backlog"),
    path("backlog.csv", backlog.backlog_csv, name="backlog_csv"),
    path("backlog/import/", backlog_import.backlog_import, name="backlog_import"),
    path("backlog/import/jira/", jira_import.jira_import_upload, name="jira_import"),
    path("backlog/import/jira/<int:upload_id>/", jira_import.jira_import_preview, name="jira_import_preview"),
    path("roadmap/", roadmap.roadmap, name="roadmap"),
    path("features/<feature_key:key>/", backlog.feature_detail, name="feature_detail"),
    path("features/<feature_key:key>/wsjf/", backlog.feature_wsjf, name="feature_wsjf"),
    # The train's PI plan and the team team_board.
    path("", pi_plan.planning_home, name="planning_home"),
    path("pis/<int:pi_id>/plan/", pi_plan.pi_plan, name="pi_plan"),
    path(f"{TEAM}/board/", team_board.team_board, name="team_board"),
    path(f"{TEAM}/board/capacity/", team_board.board_capacity, name="board_capacity"),
    path(f"{TEAM}/board/stories/", team_board.board_story_create, name="board_story_create"),
    path(f"{TEAM}/board/stories/<int:story_id>/", team_board.board_story_edit, name="board_story_edit"),
    path(f"{TEAM}/board/stories/<int:story_id>/move/", team_board.board_story_move, name="board_story_move"),
    path(f"{TEAM}/board/stories/<int:story_id>/delete/", team_board.board_story_delete, name="board_story_delete"),
    path(f"{TEAM}/board/placements/", team_board.board_placement_set, name="board_placement_set"),
    path(f"{TEAM}/board/placements/remove/", team_board.board_placement_remove, name="board_placement_remove"),
    # PI objectives and business value.
    path("objectives/", objectives.objectives_home, name="objectives_home"),
    path("pis/<int:pi_id>/objectives/", objectives.art_objectives, name="art_objectives"),
    path("pis/<int:pi_id>/objectives.csv", objectives.objectives_csv, name="objectives_csv"),
    path(f"{TEAM}/objectives/", objectives.team_objectives, name="team_objectives"),
    path(f"{TEAM}/objectives/new/", objectives.objective_create, name="objective_create"),
    path("objectives/<int:objective_id>/edit/", objectives.objective_edit, name="objective_edit"),
    path(
        "objectives/<int:objective_id>/business-value/",
        objectives.objective_business_value,
        name="objective_business_value",
    ),
    path("objectives/<int:objective_id>/delete/", objectives.objective_delete, name="objective_delete"),
    # The program board.
    path("board/", program_board.program_board_home, name="program_board_home"),
    path("pis/<int:pi_id>/board/", program_board.program_board_page, name="program_board"),
    path("pis/<int:pi_id>/board/move/", program_board.program_board_move, name="program_board_move"),
    path("pis/<int:pi_id>/board/export.csv", program_board.program_board_csv, name="program_board_csv"),
    path("pis/<int:pi_id>/board/export.svg", program_board.program_board_svg, name="program_board_svg"),
    path("pis/<int:pi_id>/board/changes/", program_board.program_board_changes, name="program_board_changes"),
    path(
        "pis/<int:pi_id>/board/milestones/",
        program_board.program_board_milestone_create,
        name="program_board_milestone_create",
    ),
    path(
        "pis/<int:pi_id>/board/milestones/<int:milestone_id>/delete/",
        program_board.program_board_milestone_delete,
        name="program_board_milestone_delete",
    ),
    # The confidence vote, PI readiness and the committed plan.
    path("pis/<int:pi_id>/vote/", vote.vote_home, name="vote_home"),
    path("pis/<int:pi_id>/vote/open/", vote.vote_open, name="vote_open"),
    path("vote/<int:round_id>/", vote.vote_round, name="vote_round"),
    path("vote/<int:round_id>/cast/", vote.vote_cast, name="vote_cast"),
    path("vote/<int:round_id>/close/", vote.vote_close, name="vote_close"),
    path("pis/<int:pi_id>/readiness/", readiness.pi_readiness, name="pi_readiness"),
    path("pis/<int:pi_id>/readiness/add/", readiness.readiness_add, name="readiness_add"),
    path("pis/<int:pi_id>/readiness/from-playbook/", readiness.readiness_from_playbook, name="readiness_from_playbook"),
    path("readiness/<int:item_id>/", readiness.readiness_update, name="readiness_update"),
    path("pis/<int:pi_id>/plan-vs-now/", committed_plan.plan_changes, name="plan_changes"),
    path("pis/<int:pi_id>/commit/", committed_plan.plan_commit, name="plan_commit"),
]
