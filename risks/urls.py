"""Pages of risks and dependencies, under arts/<art_slug>/risks/."""

from django.urls import path

from risks.views import dependencies, roam_board

urlpatterns = [
    path("board/", roam_board.roam_board, name="roam_board"),
    path("risks.csv", roam_board.risks_csv, name="risks_csv"),
    path("dependencies.csv", dependencies.dependencies_csv, name="dependencies_csv"),
    path("risks/<int:risk_id>/", roam_board.risk_detail, name="risk_detail"),
    path("risks/<int:risk_id>/roam/", roam_board.risk_roam, name="risk_roam"),
    path("dependencies/", dependencies.dependency_list, name="dependency_list"),
    path("dependencies/review/", dependencies.dependency_review, name="dependency_review"),
    path("dependencies/map/", dependencies.dependency_map, name="dependency_map"),
    path("dependencies/<int:dependency_id>/", dependencies.dependency_detail, name="dependency_detail"),
    path("dependencies/<int:dependency_id>/move/", dependencies.dependency_move, name="dependency_move"),
    path(
        "dependencies/<int:dependency_id>/review/",
        dependencies.dependency_review_record,
        name="dependency_review_record",
    ),
]
