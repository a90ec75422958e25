"""Signals of PI Planning, and its reactions to changes in the core.

- ``placement_planned`` is sent when a team places a feature or moves its card to another
  iteration, inside the same transaction, so that apps that depend on planning (the
  dependencies of ``risks``) can follow the plan without planning knowing about them.
- A new PI gets its readiness checklist.
"""

from django.db.models.signals import post_save
from django.dispatch import Signal, receiver

from artops.models import ProgramIncrement

# Sent with ``placement`` (a FeaturePlacement) and ``by`` (the User who planned it).
placement_planned = Signal()


@receiver(post_save, sender=ProgramIncrement, dispatch_uid="planning-default-readiness")
def give_new_pi_its_readiness_checklist(sender, instance: ProgramIncrement, created: bool, raw: bool = False, **kwargs):
    if created and not raw:
        from planning.services import add_default_readiness

        add_default_readiness(instance)
