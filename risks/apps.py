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
        # A Jira import's "blocks" links between teams become dependencies, in the import's transaction.
        extensions.register(extensions.IMPORTED_BLOCKING_LINKS, _imported_links)


def _follow_placement(sender, placement, by, **kwargs) -> None:
    from risks.services import follow_placement

    follow_placement(placement, by=by)


def _imported_links(**context) -> dict[int, str]:
    from risks.services import raise_imported_dependencies

    return raise_imported_dependencies(**context)
