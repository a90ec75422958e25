"""The calendar pages of a train, included at ``arts/<art_slug>/calendar/``."""

from django.urls import path

from artops.calendar import page_views

urlpatterns = [
    path("", page_views.art_calendar, name="art_calendar"),
    path("settings/", page_views.calendar_settings, name="calendar_settings"),
    path("generate/", page_views.calendar_generate, name="calendar_generate"),
    path("events/new/", page_views.calendar_event_add, name="calendar_event_add"),
    path("events/<int:event_id>/", page_views.calendar_event, name="calendar_event"),
    path("events/<int:event_id>/cancel/", page_views.calendar_event_cancel, name="calendar_event_cancel"),
    path("events/<int:event_id>/restore/", page_views.calendar_event_restore, name="calendar_event_restore"),
]
