"""The Jira import: upload an export, preview it with a mapping, import it (``planning.import_backlog``).

The page and the API call these three; ``planning.jira_import`` reads and maps the file.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from artops.models import ART, User
from artops.permissions import require
from planning import imports, jira_import
from planning.models import JiraMapping, JiraUpload

__all__ = ["import_jira_export", "preview_jira_export", "upload_jira_export"]

FILENAME_MAX_LENGTH = JiraUpload._meta.get_field("filename").max_length


@transaction.atomic
def upload_jira_export(art: ART, *, by: User, raw: bytes, filename: str = "") -> JiraUpload:
    """Keep an uploaded Jira export for its preview. A file that is not a Jira CSV export is refused."""
    require(by, "planning.import_backlog", art=art)
    try:
        text = imports.decode(raw, limit=jira_import.MAX_BYTES)
    except imports.CSVFileError as error:
        raise ValidationError({"file": str(error)}) from error
    export = jira_import.read_file(text)
    if export.errors:
        raise ValidationError({"file": export.errors[0]})
    name = "".join(char for char in filename if char.isprintable())[:FILENAME_MAX_LENGTH]
    return JiraUpload.objects.create(art=art, uploaded_by=by, filename=name, text=text)


def preview_jira_export(upload: JiraUpload, *, by: User, mapping: jira_import.Mapping | None = None):
    """What importing ``upload`` with ``mapping`` (default: the train's remembered one) would do."""
    require(by, "planning.import_backlog", art=upload.art)
    return jira_import.preview(upload.text, art=upload.art, mapping=mapping)


@transaction.atomic
def import_jira_export(upload: JiraUpload, *, by: User, mapping: jira_import.Mapping) -> jira_import.Outcome:
    """Import every issue of ``upload`` with ``mapping``, all or nothing; the train remembers the mapping.

    Raises ``jira_import.ImportRefused`` (nothing saved) with the preview and its errors.
    """
    art = upload.art
    require(by, "planning.import_backlog", art=art)
    # Remember the mapping first: the upsert locks the train's mapping row, so a second import of
    # the same train waits for this one, then finds its rows. Rolled back with the rest if refused.
    JiraMapping.objects.bulk_create(
        [JiraMapping(art=art, mapping=mapping.as_json(), updated_by=by)],
        update_conflicts=True,
        unique_fields=["art"],
        update_fields=["mapping", "updated_by", "updated_at"],
    )
    # The links are checked by their providers as they save them, in ``save``.
    result = jira_import.preview(upload.text, art=art, mapping=mapping, check_links=False)
    outcome = jira_import.save(result, art=art, by=by)
    upload.delete()
    return outcome
