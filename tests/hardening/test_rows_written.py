"""The hostile-input sweep's cheap check: rows written in the transaction, savepoints rolled back included."""

from django.db import transaction

from artops.models import ART
from tests.hardening import seeded


def test_rows_written_counts_every_insert_and_delete_even_those_rolled_back(db):
    before = seeded.rows_written()
    list(ART.objects.all())
    assert seeded.rows_written() == before  # reading writes nothing
    with transaction.atomic():
        ART.objects.create(name="Savepoint ART", slug="savepoint")
        transaction.set_rollback(True)
    # The savepoint was rolled back and the row is gone, yet the insert was counted: the number never
    # goes down, so an unchanged number means no table's row count changed.
    assert not ART.objects.filter(slug="savepoint").exists()
    assert seeded.rows_written() == before + 1
