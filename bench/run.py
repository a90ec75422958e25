"""``make bench``: seed a reference-size train and time its program board. Exit 1 if a target is missed.

    python -m bench.run [--runs 25]

It works in a database of its own, ``artops_bench``, on the server of ``DATABASE_URL`` (the
embedded PostgreSQL when unset), dropped and created afresh on every run, so that it never
touches the demo data. Seeded: three other trains with four past PIs each, the reference
train's two past PIs, then one PI at the reference size (12 teams, 4 + 1 iterations, 300
features, 500 open dependencies) and one with 10× the features. It prints one table: for
each size the board page and the board API, their query counts, median server times over
the warm runs, the baseline's (``bench.measure``) and the ratio to it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from urllib.parse import urlsplit, urlunsplit

DATABASE = "artops_bench"
HISTORY_ARTS = 3
HISTORY_PIS = 4


def bench_database_url() -> str:
    """``DATABASE_URL`` (or the embedded server's), naming the benchmark's own database."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        from artops import embedded

        url = embedded.postgres_url()
    return urlunsplit(urlsplit(url)._replace(path=f"/{DATABASE}"))


def recreate_database(url: str) -> None:
    """Drop and create the benchmark's database, through the server's maintenance database."""
    import dj_database_url
    import psycopg2

    config = dj_database_url.parse(url)
    connection = psycopg2.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname="postgres",
    )
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{DATABASE}"')
            cursor.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=25, help="timed runs per endpoint and size (at least 20)")
    args = parser.parse_args(argv)
    started = time.perf_counter()

    url = bench_database_url()
    os.environ["DATABASE_URL"] = url
    # Timed as in production: no query log, no debug toolbar of any kind.
    os.environ["DEBUG"] = "false"
    # Production settings with harmless defaults for what a fresh clone has no value for (secret key, hosts).
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    recreate_database(url)

    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection

    from bench import measure, seed

    call_command("migrate", interactive=False, verbosity=0)
    migrated = time.perf_counter()

    rng = seed.generator(2026)
    seed.seed_history(arts=HISTORY_ARTS, pis=HISTORY_PIS, rng=rng)
    sizes = [seed.REFERENCE, seed.TEN_TIMES]
    train = seed.seed_train(sizes, rng=rng)
    with connection.cursor() as cursor:
        # Statistics and visibility after the bulk load, as autovacuum keeps them on a live server.
        cursor.execute("VACUUM ANALYZE")
    seeded = time.perf_counter()

    results = []
    for size in sizes:
        results += measure.measure(train.pis[size.label], train.rte, size.label, runs=args.runs)
    measured = time.perf_counter()

    print()
    print(
        f"Program board, {seed.REFERENCE.teams} teams, {seed.REFERENCE.iterations} iterations, "
        f"{seed.REFERENCE.dependencies} open dependencies; {HISTORY_ARTS} other trains × {HISTORY_PIS} past PIs "
        f"of history. Median of {args.runs} warm runs."
    )
    print(measure.table(results))
    print(
        f"\nDatabase {DATABASE}: migrated in {migrated - started:.1f} s, seeded in {seeded - migrated:.1f} s; "
        f"measured in {measured - seeded:.1f} s; {measured - started:.1f} s in all."
    )
    problems = measure.failures(results)
    for problem in problems:
        print(f"MISSED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
