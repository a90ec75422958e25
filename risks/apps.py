from django.apps import AppConfig


class RisksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "risks"
    verbose_name = "Risks and dependencies"

    def ready(self) -> None:
        from artops import extensions
        from planning.signals import placement_planned
        from risks.views import home

        # Red and aging dependencies, unroamed and quiet risks on the cockpit of the train's home.
        extensions.register(extensions.ART_HOME_FIGURES, home.home_figures)

        placement_planned.connect(_follow_placement, dispatch_uid="risks-follow-placement")


def _follow_placement(sender, placement, by, **kwargs) -> None:
    from risks.services import follow_placement

    follow_placement(placement, by=by)
