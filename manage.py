#!/usr/bin/env python
"""Django's command-line utility for ARTops."""

import os
import secrets
import sys

# Commands that only read the code (models, migrations, checks) sign nothing, so they run
# without the configured SECRET_KEY; every other command, and the web server, needs it.
CODE_ONLY_COMMANDS = frozenset({"makemigrations", "showmigrations", "sqlmigrate", "check", "help"})


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "artops.settings")
    command = sys.argv[1] if len(sys.argv) > 1 else "help"
    if command in CODE_ONLY_COMMANDS and "--deploy" not in sys.argv:
        os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
