from pathlib import Path

import dj_database_url
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from artops import backup


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` into the ARTops database, all of it or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The backup file.")
        parser.add_argument(
            "--replace", action="store_true", help="Replace what the database holds (refused without it)."
        )
        parser.add_argument(
            "--database-url", help="Restore into this database instead of the configured one (a fresh one, say)."
        )

    def handle(self, *args, file: Path, replace: bool, database_url: str | None, **options):
        try:
            settings_dict = dj_database_url.parse(database_url) if database_url else connection.settings_dict
        except ValueError as error:
            raise CommandError(f"--database-url: {error}", returncode=2) from error
        # Django keeps no connection open across a restore that drops and recreates its tables.
        connection.close()
        try:
            backup.restore(backup.Target.of(settings_dict), file, replace=replace)
        except backup.BackupError as error:
            raise CommandError(str(error), returncode=2) from error
        self.stdout.write(self.style.SUCCESS(f"Restored {file} into {settings_dict['NAME']}."))
