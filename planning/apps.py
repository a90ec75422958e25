from django.apps import AppConfig


class PlanningConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "planning"
    verbose_name = "PI Planning"

    def ready(self) -> None:
        from planning import signals  # noqa: F401 (connects the receivers)
