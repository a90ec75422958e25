from django.core.management.base import BaseCommand
from django.utils import timezone

from metrics import services
from metrics.management.commands._days import check_ended, parse_day, refuse, summary, trains

MAX_DAYS = 3 * 366 + 1


class Command(BaseCommand):
    help = (
        "Compute the daily metric snapshots of every day from --from to --to (both included), for one "
        "train or all. Past days change only through this command. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", metavar="YYYY-MM-DD", required=True, help="the first day")
        parser.add_argument("--to", dest="last", metavar="YYYY-MM-DD", required=True, help="the last day (ended)")
        parser.add_argument("--art", metavar="SLUG", help="only this train (its slug)")

    def handle(self, *args, first, last, art=None, **options):
        first_day, last_day = parse_day(first, "--from"), parse_day(last, "--to")
        if last_day < first_day:
            raise refuse(f"--to {last_day:%Y-%m-%d} is before --from {first_day:%Y-%m-%d}: swap them.")
        if (last_day - first_day).days + 1 > MAX_DAYS:
            raise refuse(f"A backfill covers at most {MAX_DAYS} days: split the range.")
        arts = trains(art)
        check_ended(arts, last_day, timezone.now())
        self.stdout.write(summary(services.recompute_days(arts, first_day, last_day)))
