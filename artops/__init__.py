"""ARTops: the Django project and the core domain app."""

from artops.celery import app as celery_app

__all__ = ["celery_app"]
