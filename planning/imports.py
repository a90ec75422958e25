"""CSV import of features into the ART backlog: parse, validate every row, then save all or nothing.

The file is UTF-8 text (a byte-order mark is allowed) with a header row; the delimiter is a
comma, or a semicolon when the header uses semicolons (as spreadsheets in many locales write).
At most 1 MB and 1000 rows. Headers are matched case-insensitively, with spaces and hyphens
read as underscores (``Job size`` = ``job-size`` = ``job_size``).

Column mapping (the import page shows the same table):

    title                 required, at most 200 characters
    type                  business or enabler (also "Business feature" / "Enabler");
                          empty = business
    description           free text, at most 10,000 characters
    benefit_hypothesis    free text, at most 10,000 characters
    acceptance_criteria   free text, at most 10,000 characters
    pi                    name of one of this train's PIs; empty = not yet planned
    user_business_value   modified Fibonacci scale 1, 2, 3, 5, 8, 13, 20; empty = 1
    time_criticality      same scale; empty = 1
    risk_reduction        risk reduction / opportunity enablement, same scale; empty = 1
    job_size              same scale; empty = 1

    rank, key, state,     written by the backlog's CSV export and ignored here (read-only), so
    cost_of_delay, wsjf   that an export can be imported again: every imported row becomes a new
                          feature with a new key, in the funnel; Cost of Delay and WSJF are
                          computed from the four inputs

Any other column is an error, so that a misspelt header never drops data silently. A text cell
that the export protected against spreadsheet formulas (``'=…``) is read back without the quote.

Nothing is saved while any row has an error. Saving hands every row to
``services.create_features``, which writes them all at once (a constant number of queries,
whatever the length of the file): features get their keys in the order of the file, and if the
service still refuses a row, nothing is written and the refusal is reported against that row.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied

from artops.models import ART, ProgramIncrement, User
from artops.pages import FORMULA_STARTS
from artops.parsing import BadNumber, is_storable, parse_int, shown, unstorable_reason
from artops.permissions import has_capability
from planning import services
from planning.models import FEATURE_TEXT_MAX_LENGTH, FIBONACCI, OFF_SCALE_MESSAGE, WSJF_INPUTS, Feature

MAX_BYTES = 1_000_000
MAX_ROWS = 1000
TITLE_MAX_LENGTH = Feature._meta.get_field("title").max_length
# The free text of a feature, bounded as the model bounds it.
TEXT_COLUMNS = ("description", "benefit_hypothesis", "acceptance_criteria")
TEXT_MAX_LENGTHS = {name: Feature._meta.get_field(name).max_length for name in TEXT_COLUMNS}


@dataclass(frozen=True)
class Column:
    """One importable column, as the import page documents it."""

    name: str
    label: str
    meaning: str
    required: bool = False


COLUMNS = (
    Column("title", "Title", f"Required, at most {TITLE_MAX_LENGTH} characters.", required=True),
    Column("type", "Type", "business or enabler (also “Business feature” or “Enabler”). Empty: business."),
    Column("description", "Description", f"Free text, at most {FEATURE_TEXT_MAX_LENGTH:,} characters."),
    Column("benefit_hypothesis", "Benefit hypothesis", f"Free text, at most {FEATURE_TEXT_MAX_LENGTH:,} characters."),
    Column("acceptance_criteria", "Acceptance criteria", f"Free text, at most {FEATURE_TEXT_MAX_LENGTH:,} characters."),
    Column("pi", "PI", "Name of one of this train's PIs. Empty: not yet planned."),
    Column("user_business_value", "User-business value", "1, 2, 3, 5, 8, 13 or 20. Empty: 1."),
    Column("time_criticality", "Time criticality", "1, 2, 3, 5, 8, 13 or 20. Empty: 1."),
    Column("risk_reduction", "Risk reduction / opportunity enablement", "1, 2, 3, 5, 8, 13 or 20. Empty: 1."),
    Column("job_size", "Job size", "1, 2, 3, 5, 8, 13 or 20. Empty: 1."),
)
COLUMN_NAMES = tuple(column.name for column in COLUMNS)
LABELS = {column.name: column.label for column in COLUMNS}

# Written by the backlog export (planning/views/backlog.py, CSV_COLUMNS) and read-only here: a
# new feature gets a new key, starts in the funnel, and its Cost of Delay and WSJF are computed.
IGNORED_COLUMNS = ("rank", "key", "state", "cost_of_delay", "wsjf")

TYPE_ALIASES = {
    **{value: value for value in Feature.Type.values},
    **{label.casefold(): value for value, label in Feature.Type.choices},
}


class CSVFileError(ValueError):
    """The upload cannot be read as a CSV file at all."""


@dataclass
class ImportRow:
    """One data row of the file: its line, its values ready for ``create_feature``, its errors."""

    line: int
    values: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    # The cells as written, to show what was refused next to its error.
    cells: dict[str, str] = field(default_factory=dict)

    @property
    def shown(self) -> dict[str, str]:
        """Each column as the preview shows it: the parsed value, else the cell as written."""
        shown = {name: str(self.values.get(name, self.cells.get(name, ""))) for name in COLUMN_NAMES}
        if self.values.get("type") in Feature.Type.values:
            shown["type"] = Feature.Type(self.values["type"]).label
        shown["pi"] = self.values["pi"].name if self.values.get("pi") else self.cells.get("pi", "")
        return shown


@dataclass
class ImportPreview:
    """What an import would create. ``errors`` concern the whole file; rows carry their own."""

    text: str = ""
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def rows_with_errors(self) -> list[ImportRow]:
        return [row for row in self.rows if row.errors]

    @property
    def is_valid(self) -> bool:
        return bool(self.rows) and not self.errors and not self.rows_with_errors

    @property
    def messages(self) -> list[str]:
        """Every error, the file's first, then each row's prefixed with its line."""
        return [*self.errors, *(f"Line {row.line}: {error}" for row in self.rows for error in row.errors)]


class ImportRefused(Exception):
    """The import was not saved; the preview says why."""

    def __init__(self, preview: ImportPreview):
        self.preview = preview
        super().__init__("; ".join(preview.messages))


# --- reading the file ------------------------------------------------------------------------


def decode(raw: bytes, *, limit: int = MAX_BYTES) -> str:
    """The file's text, or CSVFileError with a message a person can act on (shared with the Jira import)."""
    if len(raw) > limit:
        raise CSVFileError(too_big_message(len(raw), limit))
    if not raw.strip():
        raise CSVFileError("The file is empty.")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise CSVFileError("The file is UTF-16 text. Save it as “CSV UTF-8” from your spreadsheet and try again.")
    if b"\x00" in raw:
        raise CSVFileError("This is not a CSV file (it contains binary data). Save it as CSV and try again.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise CSVFileError(
            f"The file is not UTF-8 text (line {line} has a character that is not). "
            "Save it as “CSV UTF-8” from your spreadsheet and try again."
        ) from error
    return text


def too_big_message(size: int, limit: int = MAX_BYTES) -> str:
    return f"The file is {size / 1_000_000:.1f} MB; the limit is {limit // 1_000_000} MB. Split it into smaller files."


def read_upload(upload, *, limit: int = MAX_BYTES) -> str:
    """The text of an uploaded file; its size is checked before it is read."""
    if upload.size is not None and upload.size > limit:
        raise CSVFileError(too_big_message(upload.size, limit))
    return decode(upload.read(limit + 1), limit=limit)


def normalise_header(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def _delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def unquote(text: str) -> str:
    """Undo the export's protection against formulas: ``'=SUM(…)`` reads back as ``=SUM(…)``."""
    if text.startswith("'") and text[1:2] and text[1] in FORMULA_STARTS:
        return text[1:]
    return text


def records(text: str) -> list[tuple[int, list[str]]]:
    """(first line, cells) of each record; a quoted cell may span several lines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    records = []
    line = 1
    try:
        for cells in reader:
            records.append((line, cells))
            line = reader.line_num + 1
    except csv.Error as error:
        raise CSVFileError(f"Line {reader.line_num}: this is not valid CSV ({error}).") from error
    return records


# --- validating -------------------------------------------------------------------------------


def _check_header(cells: list[str]) -> tuple[list[str], list[str], list[str]]:
    """(column name per position, ignored columns, errors); an empty name is a column to skip."""
    names = [normalise_header(cell) for cell in cells]
    errors = []
    unknown = [
        cell.strip()
        for cell, name in zip(cells, names, strict=True)
        if name and name not in COLUMN_NAMES + IGNORED_COLUMNS
    ]
    if unknown:
        quoted = ", ".join(f"“{name}”" for name in unknown)
        errors.append(
            f"Unknown column{'s' if len(unknown) > 1 else ''} {quoted}. The columns are: {', '.join(COLUMN_NAMES)}."
        )
    duplicates = sorted({name for name in names if name and names.count(name) > 1})
    if duplicates:
        errors.append(f"These columns appear twice: {', '.join(duplicates)}.")
    if "title" not in names:
        errors.append("The file has no “title” column; it is the one column every row needs.")
    ignored = [name for name in names if name in IGNORED_COLUMNS]
    return names, ignored, errors


def _fibonacci(row: ImportRow, name: str) -> int | None:
    """A WSJF input, read by ``artops.parsing`` (ASCII digits only) and checked against the scale."""
    cell = row.cells.get(name, "")
    if not cell:
        return 1
    try:
        value = parse_int(cell, name=name)
    except BadNumber:
        value = None
    if value in FIBONACCI:
        return value
    row.errors.append(f"{LABELS[name]} “{shown(cell)}”: {OFF_SCALE_MESSAGE}")
    # The preview shows the refused cell's beginning, never all of it.
    row.cells[name] = shown(cell)
    return None


def _text(row: ImportRow, name: str) -> str | None:
    """A free-text cell within the model's bounds; None for a refused one, an error of its row (nothing is cut)."""
    cell = row.cells.get(name, "")
    limit = TEXT_MAX_LENGTHS[name]
    reason = unstorable_reason(cell)
    if reason is not None:
        row.errors.append(f"{LABELS[name]}: {reason}")
    elif len(cell) > limit:
        row.errors.append(f"{LABELS[name]} has {len(cell):,} characters; at most {limit:,} are allowed.")
    else:
        return cell
    # The preview shows the refused cell's beginning, never all of it.
    row.cells[name] = shown(cell)
    return None


def _row(line: int, cells: dict[str, str], *, pis: dict[str, ProgramIncrement], editable: set[str]) -> ImportRow:
    row = ImportRow(line=line, cells=cells)
    errors = row.errors
    values = row.values

    title = cells.get("title", "")
    if not title:
        errors.append("The title is required.")
    elif len(title) > TITLE_MAX_LENGTH:
        errors.append(f"The title has {len(title)} characters; at most {TITLE_MAX_LENGTH} are allowed.")
    elif not is_storable(title):
        errors.append(f"Title: {unstorable_reason(title)}")
    if errors:
        # The preview shows the refused title's beginning, never all of it.
        row.cells["title"] = shown(title)
    else:
        values["title"] = title

    type_cell = cells.get("type", "")
    feature_type = TYPE_ALIASES.get(type_cell.casefold()) if type_cell else Feature.Type.BUSINESS
    if feature_type is None:
        errors.append(f"Type “{type_cell}” is neither “business” nor “enabler”.")
    else:
        values["type"] = feature_type
        if feature_type not in editable:
            errors.append(f"Your role on this train does not allow adding {Feature.Type(feature_type).label.lower()}s.")

    for name in TEXT_COLUMNS:
        text = _text(row, name)
        if text is not None:
            values[name] = text

    pi_cell = cells.get("pi", "")
    values["pi"] = None
    if pi_cell:
        pi = pis.get(pi_cell.casefold())
        if pi is None:
            known = ", ".join(pi.name for pi in pis.values()) or "none yet"
            errors.append(f"PI “{pi_cell}” is not a PI of this train (its PIs: {known}).")
        else:
            values["pi"] = pi

    for name in WSJF_INPUTS:
        value = _fibonacci(row, name)
        if value is not None:
            values[name] = value
    return row


def editable_types(user: User, art: ART) -> set[str]:
    """The feature types ``user`` may add on ``art``."""
    return {
        feature_type
        for feature_type in Feature.Type.values
        if has_capability(user, services.edit_capability(feature_type), art=art)
    }


def preview(text: str, *, art: ART, by: User) -> ImportPreview:
    """Parse and validate ``text`` without saving: the file's errors and each row's values and errors."""
    result = ImportPreview(text=text)
    if len(text.encode("utf-8")) > MAX_BYTES:
        result.errors.append(too_big_message(len(text.encode("utf-8"))))
        return result
    text = text.removeprefix("\ufeff")
    if not text.strip():
        result.errors.append("The file is empty.")
        return result
    try:
        rows = records(text)
    except CSVFileError as error:
        result.errors.append(str(error))
        return result

    (_, header), *data = rows
    names, result.ignored_columns, result.errors = _check_header(header)
    if result.errors:
        return result
    # Blank lines (often at the end of a spreadsheet's export) are not rows.
    data = [(line, cells) for line, cells in data if any(cell.strip() for cell in cells)]
    if not data:
        result.errors.append("The file has a header but no rows.")
        return result
    if len(data) > MAX_ROWS:
        result.errors.append(f"The file has {len(data)} rows; the limit is {MAX_ROWS}. Split it into smaller files.")
        return result

    pis = {pi.name.casefold(): pi for pi in ProgramIncrement.objects.for_art(art).order_by("start_date")}
    editable = editable_types(by, art)
    for line, cells in data:
        extra = [cell for cell in cells[len(names) :] if cell.strip()]
        # A value under a column without a header would otherwise be dropped without a word.
        unnamed = [
            position + 1
            for position, (name, cell) in enumerate(zip(names, cells, strict=False))
            if not name and cell.strip()
        ]
        mapped = {
            name: unquote(cell.strip())
            for name, cell in zip(names, cells, strict=False)
            if name and name not in IGNORED_COLUMNS
        }
        row = _row(line, mapped, pis=pis, editable=editable)
        if extra:
            row.errors.insert(0, f"The row has {len(cells)} cells; the header names {len(names)} columns.")
        if unnamed:
            positions = ", ".join(str(position) for position in unnamed)
            row.errors.insert(0, f"Column {positions} has a value but no name in the header row.")
        result.rows.append(row)
    return result


# --- saving -------------------------------------------------------------------------------------


def save(result: ImportPreview, *, art: ART, by: User) -> list[Feature]:
    """Create every row's feature in one transaction, in the file's order; all or nothing.

    Raises ImportRefused (nothing saved) when the preview has errors, or when the service
    refuses a row after all, with that refusal added to the row.
    """
    if not result.is_valid:
        raise ImportRefused(result)
    try:
        return services.create_features(art, rows=[row.values for row in result.rows], by=by)
    except services.RowsRefused as refusal:
        for index, messages in refusal.rows.items():
            result.rows[index].errors.extend(messages)
        raise ImportRefused(result) from refusal
    except PermissionDenied as error:
        # The person's role changed since the preview: the file as a whole is refused.
        result.errors.append(str(error))
        raise ImportRefused(result) from error
