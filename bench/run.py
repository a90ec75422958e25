"""``make bench``: the program board, the nightly metrics and the room at reference size. Exit 1 if a target is missed.

    python -m bench.run [--runs 25] [--only board|nightly|room] [--seconds 60] [--quiet-seconds 20] [--browsers 150]

It works in a database of its own, ``artops_bench``, on the server of ``DATABASE_URL`` (the
embedded PostgreSQL when unset), dropped and created afresh on every run, so that it never
touches the demo data. Seeded: three other trains with four past PIs each, the reference
train's two past PIs, then one PI at the reference size (12 teams, 4 + 1 iterations, 300
features, 500 open dependencies), one with 10× the features and one with 10× the features and
the dependencies. It prints one table: for each size the board page (rendered afresh, and as
kept for the room) and the board API, their query counts, median server times over the warm
runs, the baseline's (``bench.measure``) and the ratio to it.

Then the nightly metrics (``bench.portfolio``): a portfolio of 50 trains with three years of
PIs, 180,000 features and 300,000 dependencies, and the same trains with a tenth of the rows;
one table of the night's time, queries and rows written for each (target: 60 s, and the same
query count at both sizes).

Then the room (``bench.room``): the app under gunicorn as deployed, 150 browsers polling the board
of a train of its own while a card moves every 5 s, at the reference size, 10× the features, and
10× the features and dependencies; propagation, quiet polls, bytes, errors and server CPU.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from urllib.parse import urlsplit, urlunsplit

# BENCH_DATABASE names another one, so that two people benchmarking on one server keep apart.
DATABASE = os.environ.get("BENCH_DATABASE", "artops_bench")
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
    parser.add_argument("--only", choices=("board", "nightly", "room"), help="run one of the three benchmarks")
    parser.add_argument("--seconds", type=float, default=60, help="the room: seconds of moves per board")
    parser.add_argument("--quiet-seconds", type=float, default=20, help="the room: seconds of the quiet room")
    parser.add_argument("--browsers", type=int, default=150, help="the room: browsers watching the board")
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

    call_command("migrate", interactive=False, verbosity=0)
    migrated = time.perf_counter()

    problems = []
    if args.only in (None, "board"):
        problems += board(args.runs)
    if args.only in (None, "nightly"):
        problems += nightly()
    if args.only in (None, "room"):
        from bench import room

        problems += room.room(seconds=args.seconds, quiet_seconds=args.quiet_seconds, browsers=args.browsers)
    total = time.perf_counter() - started
    print(f"\nDatabase {DATABASE}: migrated in {migrated - started:.1f} s; {total:.1f} s in all.")
    for problem in problems:
        print(f"MISSED: {problem}", file=sys.stderr)
    return 1 if problems else 0


def board(runs: int) -> list[str]:
    """The program board of a reference-size train against its raw SQL baseline."""
    from django.db import connection

    from bench import measure, seed

    started = time.perf_counter()
    rng = seed.generator(2026)
    seed.seed_history(arts=HISTORY_ARTS, pis=HISTORY_PIS, rng=rng)
    sizes = [seed.REFERENCE, seed.TEN_TIMES, seed.TEN_TIMES_BOTH]
    train = seed.seed_train(sizes, rng=rng)
    with connection.cursor() as cursor:
        # Statistics and visibility after the bulk load, as autovacuum keeps them on a live server.
        cursor.execute("VACUUM ANALYZE")
    seeded = time.perf_counter()

    results = []
    for size in sizes:
        results += measure.measure(train.pis[size.label], train.rte, size.label, runs=runs)
    measured = time.perf_counter()

    print()
    print(
        f"Program board, {seed.REFERENCE.teams} teams, {seed.REFERENCE.iterations} iterations, "
        f"{seed.REFERENCE.dependencies} open dependencies; {HISTORY_ARTS} other trains × {HISTORY_PIS} past PIs "
        f"of history. Median of {runs} warm runs."
    )
    print(measure.table(results))
    print(f"Seeded in {seeded - started:.1f} s; measured in {measured - seeded:.1f} s.")
    return measure.failures(results)


def nightly() -> list[str]:
    """The nightly metrics of the reference portfolio and of one with a tenth of its rows."""
    from django.db import connection

    from bench import portfolio

    started = time.perf_counter()
    sizes = [(portfolio.REFERENCE.tenth(), "tenth"), (portfolio.REFERENCE, "ref")]
    trains = {size.label: portfolio.seed(size, prefix=prefix) for size, prefix in sizes}
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    seeded = time.perf_counter()
    nights = [portfolio.night(size, trains[size.label]) for size, _ in sizes]

    print()
    print(
        f"Nightly metrics: every train's snapshots of {portfolio.DAY:%Y-%m-%d} ({portfolio.PIS} PIs of history "
        f"per train, {len(portfolio.TIME_ZONES)} time zones), computed once."
    )
    print(portfolio.table(nights))
    print(f"Seeded in {seeded - started:.1f} s; measured in {time.perf_counter() - seeded:.1f} s.")
    return portfolio.failures(nights)


if __name__ == "__main__":
    sys.exit(main())
