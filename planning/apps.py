from django.apps import AppConfig


class PlanningConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "planning"
    verbose_name = "PI Planning"

    def ready(self) -> None:
        from artops import extensions
        from artops.signals import pi_created, train_frame_changed
        from planning.views import home

        # Readiness and an open confidence vote on the cockpit of the train's home.
        extensions.register(extensions.ART_HOME_FIGURES, home.home_figures)

        # A new PI gets its readiness checklist, in the transaction that creates it.
        pi_created.connect(_give_new_pi_its_readiness_checklist, dispatch_uid="planning-default-readiness")
        # A team or PI changed: the boards framed by it change too.
        train_frame_changed.connect(_tick_framed_boards, dispatch_uid="planning-framed-boards")


def _give_new_pi_its_readiness_checklist(sender, pi, **kwargs) -> None:
    from planning.services import create_default_readiness

    create_default_readiness(pi)


def _tick_framed_boards(sender, art, pi=None, **kwargs) -> None:
    from artops.models import ProgramIncrement
    from planning.models import BoardClock

    pi_ids = [pi.pk] if pi is not None else ProgramIncrement.objects.for_art(art).values_list("pk", flat=True)
    for pi_id in pi_ids:
        BoardClock.tick(pi_id)
