from django.apps import AppConfig


class ArtopsConfig(AppConfig):
    name = "artops"
    verbose_name = "ARTops core"
    default_auto_field = "django.db.models.BigAutoField"
