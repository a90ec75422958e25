"""Pages of PI Planning, under arts/<art_slug>/planning/."""

from django.urls import path

from planning import views

urlpatterns = [
    path("backlog/", views.backlog, name="backlog"),
    path("backlog.csv", views.backlog_csv, name="backlog_csv"),
    path("features/<str:key>/", views.feature_detail, name="feature_detail"),
    path("features/<str:key>/wsjf/", views.feature_wsjf, name="feature_wsjf"),
]
