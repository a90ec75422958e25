from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from artops import backup


class Command(BaseCommand):
    help = "Write a backup of the ARTops database (pg_dump's custom format) to a file."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="The file to write (default: backups/artops-<time>.dump).")

    def handle(self, *args, output: Path | None, **options):
        if output is None:
            stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
            output = Path(settings.BASE_DIR) / "backups" / f"artops-{stamp}.dump"
        try:
            path = backup.backup(backup.Target.of(connection.settings_dict), output)
        except backup.BackupError as error:
            raise CommandError(str(error), returncode=2) from error
        self.stdout.write(self.style.SUCCESS(f"Backup written to {path} ({path.stat().st_size:,} bytes)."))
