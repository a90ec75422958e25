from django.core.management.base import BaseCommand
from django.utils import timezone

from metrics import services
from metrics.management.commands._days import check_ended, parse_day, summary, trains


class Command(BaseCommand):
    help = (
        "Compute the daily metric snapshots of one day, for one train or all: by default each train's "
        "last ended day (its local yesterday), as the nightly job does. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--art", metavar="SLUG", help="only this train (its slug)")
        parser.add_argument("--date", metavar="YYYY-MM-DD", help="the day to compute (it must have ended)")

    def handle(self, *args, art=None, date=None, **options):
        now = timezone.now()
        arts = trains(art)
        if date is None:
            outcomes = [services.recompute(train, services.due_day(train, now)) for train in arts]
        else:
            day = parse_day(date, "--date")
            check_ended(arts, day, now)
            outcomes = [services.recompute(train, day) for train in arts]
        self.stdout.write(summary(outcomes))
