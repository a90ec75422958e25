"""Signals of the core, for the apps above it (DESIGN.md: models depend only downward).

The core knows nothing of planning, risks or sync; when something happens here that those apps
must follow, the core sends a signal and the app's ``AppConfig.ready`` connects its service to it.

- ``pi_created``: sent by ``services.create_pi`` inside its transaction, with ``pi`` (the new
  ProgramIncrement, its iterations already generated) and ``by`` (the User who created it, or
  ``None`` for data written directly, as test factories do). Planning gives the PI its readiness
  checklist (``planning.services.create_default_readiness``); a receiver that raises rolls the
  PI back with it.
"""

from django.dispatch import Signal

pi_created = Signal()
