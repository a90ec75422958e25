"""Pages of PI Planning, under arts/<art_slug>/planning/."""

from django.urls import path

from planning.views import backlog, backlog_import, roadmap

urlpatterns = [
    path("backlog/", backlog.backlog, name="backlog"),
    path("backlog.csv", backlog.backlog_csv, name="backlog_csv"),
    path("backlog/import/", backlog_import.backlog_import, name="backlog_import"),
    path("roadmap/", roadmap.roadmap, name="roadmap"),
    path("features/<str:key>/", backlog.feature_detail, name="feature_detail"),
    path("features/<str:key>/wsjf/", backlog.feature_wsjf, name="feature_wsjf"),
]
