"""Onboarding: a train created in the app, people invited by email, their first password.

Imported by ``artops`` (models at the end of ``artops/models.py``); it imports no other app.
"""
