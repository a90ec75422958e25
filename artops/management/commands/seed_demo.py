from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from artops import demo


class Command(BaseCommand):
    help = "Create (or complete) the demo train 'Payments ART'. Safe to run again."

    @transaction.atomic
    def handle(self, *args, **options):
        art = demo.seed()
        today = art.today()
        # Each app adds its part of the demo in its own ``demo.seed_demo(art, today)``.
        for app in apps.get_app_configs():
            if app.name == "artops" or find_spec(f"{app.name}.demo") is None:
                continue
            module = import_module(f"{app.name}.demo")
            if hasattr(module, "seed_demo"):
                module.seed_demo(art, today)
        self.stdout.write(self.style.SUCCESS(f"Demo train ready: {art.name} (/arts/{art.slug}/)"))
