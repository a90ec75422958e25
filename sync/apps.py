from django.apps import AppConfig


class SyncConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sync"
    verbose_name = "ART Sync, impediments and System Demos"

    def ready(self) -> None:
        # The train's home and the calendar are lower pages: the sync app contributes to them.
        from artops import extensions
        from sync import panels

        extensions.register(extensions.ART_HOME_PANELS, panels.home_panel)
        extensions.register(extensions.CALENDAR_EVENT_LINKS, panels.calendar_links)
