from django.core.management.base import BaseCommand

from artops import demo


class Command(BaseCommand):
    help = "Create (or complete) the demo train 'Payments ART'. Safe to run again."

    def handle(self, *args, **options):
        art = demo.seed()
        self.stdout.write(self.style.SUCCESS(f"Demo train ready: {art.name} (/arts/{art.slug}/)"))
