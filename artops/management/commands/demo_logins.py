from django.core.management.base import BaseCommand

from artops import demo


class Command(BaseCommand):
    help = "Print the demo logins (one per role) and where to use them."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="Where the app is served.")

    def handle(self, *args, url: str, **options):
        self.stdout.write(self.style.SUCCESS(f"\nARTops is starting at {url}"))
        self.stdout.write(f"Demo logins (password: {demo.DEMO_PASSWORD}):")
        for login in demo.DEMO_LOGINS:
            team = f" of {login.team}" if login.team else ""
            self.stdout.write(f"  {login.email:<28} {login.role.label}{team}")
        self.stdout.write(f"  {'admin@' + demo.DOMAIN:<28} Django admin (/admin/)\n")
