"""The calendar's URLs that need no login: the private iCal feed. Included at ``calendar/``."""

from django.urls import path, reverse

from artops.calendar import views

urlpatterns = [
    # The token is a secret in the path: artops.calendar.log_filters redacts it from the logs.
    path("<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]


def feed_path(secret: str) -> str:
    """The feed's path for a secret (prefix it with https:// and the host, or webcal://)."""
    return reverse("calendar_feed", kwargs={"token": secret})
