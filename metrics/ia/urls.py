"""Pages of Inspect & Adapt, under arts/<art_slug>/ia/."""

from django.urls import path

from metrics.ia import views

urlpatterns = [
    path("", views.ia_home, name="ia_home"),
    path("open/", views.ia_open, name="ia_open"),
    path("follow-through/", views.ia_follow_through, name="ia_follow_through"),
    path("improvements.csv", views.ia_improvements_csv, name="ia_improvements_csv"),
    path("<int:pi_id>/", views.ia_event, name="ia_event"),
    path("<int:pi_id>/live/", views.ia_live, name="ia_live"),
    # One URL per write of the event page, each answered by ``views.ia_write`` (``views.WRITES[action]``).
    *(
        path(f"<int:pi_id>/{action}/", views.ia_write, {"action": action}, name=f"ia_{action}")
        for action in views.WRITES
    ),
]
