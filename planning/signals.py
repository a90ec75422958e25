"""Reactions of PI Planning to changes in the core: a new PI gets its readiness checklist."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from artops.models import ProgramIncrement


@receiver(post_save, sender=ProgramIncrement, dispatch_uid="planning-default-readiness")
def give_new_pi_its_readiness_checklist(sender, instance: ProgramIncrement, created: bool, raw: bool = False, **kwargs):
    if created and not raw:
        from planning.services import add_default_readiness

        add_default_readiness(instance)
