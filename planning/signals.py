"""Signals of PI Planning, for the apps above it.

``placement_planned`` is sent when a team places a feature or moves its card to another
iteration, inside the same transaction, so that apps that depend on planning (the dependencies
of ``risks``) can follow the plan without planning knowing about them.

This module imports nothing of planning: ``planning.services`` sends these signals, and the
reactions of planning to the core's signals are connected in ``PlanningConfig.ready``.
"""

from django.dispatch import Signal

# Sent with ``placement`` (a FeaturePlacement) and ``by`` (the User who planned it).
placement_planned = Signal()
