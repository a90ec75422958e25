from django.apps import AppConfig


class PlanningConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "planning"
    verbose_name = "PI Planning"

    def ready(self) -> None:
        from artops.signals import pi_created

        # A new PI gets its readiness checklist, in the transaction that creates it.
        pi_created.connect(_give_new_pi_its_readiness_checklist, dispatch_uid="planning-default-readiness")


def _give_new_pi_its_readiness_checklist(sender, pi, **kwargs) -> None:
    from planning.services import create_default_readiness

    create_default_readiness(pi)
