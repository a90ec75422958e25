from django.apps import AppConfig


class PlanningConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "planning"
    verbose_name = "PI Planning"

    def ready(self) -> None:
        from artops import extensions
        from artops.signals import pi_created
        from planning.views import home

        # Readiness and an open confidence vote on the cockpit of the train's home.
        extensions.register(extensions.ART_HOME_FIGURES, home.home_figures)

        # A new PI gets its readiness checklist, in the transaction that creates it.
        pi_created.connect(_give_new_pi_its_readiness_checklist, dispatch_uid="planning-default-readiness")


def _give_new_pi_its_readiness_checklist(sender, pi, **kwargs) -> None:
    from planning.services import create_default_readiness

    create_default_readiness(pi)
