"""Pages of risks and dependencies, under arts/<art_slug>/risks/."""

from django.urls import path  # noqa: F401 (each page family adds its paths below)

urlpatterns = []
