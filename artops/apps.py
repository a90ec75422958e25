from django.apps import AppConfig


class ArtopsConfig(AppConfig):
    name = "artops"
    verbose_name = "ARTops core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Coaching (a part of the core) shows due check-ins on the train's home and leads
        # community of practice events of the calendar to their sessions.
        from artops import extensions
        from artops.coaching import panels

        extensions.register(extensions.ART_HOME_PANELS, panels.home_panel)
        extensions.register(extensions.CALENDAR_EVENT_LINKS, panels.calendar_links)
