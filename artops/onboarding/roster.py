"""Inviting a train's people from a CSV roster: parse, check every row, then invite all or none.

The file is UTF-8 text with a header row, comma- or semicolon-separated, at most 1 MB and 500
rows (``artops.pages`` reads it). Columns, in any order (case, spaces and hyphens do not matter):

    email   required; a person already on the train, or twice in the file, is an error
    name    the person's name; required when nobody has this email yet
    team    one of the train's active teams, by name; required for a Scrum Master, Product
            Owner or team member, empty for the roles that serve the whole train
    role    a role by its name or value (“Scrum Master / Team Coach”, “scrum_master”) or a
            short name (RTE, PM, SA, BO, SM, PO, Team member, Developer)

Any other column is an error. Nothing is saved while a row has an error; saving invites every
row in one transaction (``services.invite_person``), so a refusal there saves none, and the
invitations are mailed only once everything is committed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from artops.models import ART, Membership, Role, Team, User, max_length_of
from artops.onboarding import services
from artops.pages import UploadError, csv_rows, csv_unquote, decode_upload, normalise_header, read_upload
from artops.parsing import is_storable, shown

MAX_BYTES = 1_000_000
MAX_ROWS = 500
COLUMNS = ("email", "name", "team", "role")
REQUIRED_COLUMNS = ("email", "role")
NAME_MAX_LENGTH = max_length_of(User, "display_name")

ROLE_ALIASES = {
    **{role.value: role for role in Role},
    **{role.label.casefold(): role for role in Role},
    "rte": Role.RTE,
    "release train engineer": Role.RTE,
    "pm": Role.PRODUCT_MANAGEMENT,
    "product manager": Role.PRODUCT_MANAGEMENT,
    "sa": Role.SYSTEM_ARCHITECT,
    "architect": Role.SYSTEM_ARCHITECT,
    "bo": Role.BUSINESS_OWNER,
    "sm": Role.SCRUM_MASTER,
    "scrum master": Role.SCRUM_MASTER,
    "team coach": Role.SCRUM_MASTER,
    "po": Role.PRODUCT_OWNER,
    "developer": Role.TEAM_MEMBER,
    "team member": Role.TEAM_MEMBER,
}
ROLE_HELP = ", ".join(role.label for role in Role)


class RosterFileError(UploadError):
    """The file as a whole cannot be used (empty, binary, not CSV, wrong columns)."""


@dataclass
class RosterRow:
    """One data row: its line, what it reads as, and its errors."""

    line: int
    email: str = ""
    name: str = ""
    team_name: str = ""
    role_text: str = ""
    role: Role | None = None
    team: Team | None = None
    existing: User | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def role_label(self) -> str:
        return self.role.label if self.role else self.role_text

    @property
    def is_new(self) -> bool:
        return self.existing is None


@dataclass
class RosterPreview:
    """What saving would do; ``errors`` concern the whole file, each row carries its own."""

    text: str = ""
    rows: list[RosterRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def rows_with_errors(self) -> list[RosterRow]:
        return [row for row in self.rows if row.errors]

    @property
    def is_valid(self) -> bool:
        return bool(self.rows) and not self.errors and not self.rows_with_errors

    @property
    def messages(self) -> list[str]:
        return [*self.errors, *(f"Line {row.line}: {error}" for row in self.rows for error in row.errors)]


class RosterRefused(Exception):
    """Nothing was saved; the preview says why."""

    def __init__(self, preview: RosterPreview):
        self.preview = preview
        super().__init__("; ".join(preview.messages))


def read_file(upload) -> str:
    return read_upload(upload, max_bytes=MAX_BYTES, what="roster")


def read_bytes(raw: bytes) -> str:
    return decode_upload(raw, max_bytes=MAX_BYTES, what="roster")


def preview(text: str, *, art: ART) -> RosterPreview:
    """Every row of ``text`` checked against the train (a constant number of queries, whatever the file's length)."""
    text = text.removeprefix("\ufeff")  # a byte-order mark read back from the confirm form
    result = RosterPreview(text=text)
    try:
        table = [row for row in csv_rows(text) if any(cell.strip() for cell in row)]
    except UploadError as error:
        result.errors.append(str(error))
        return result
    if not table:
        result.errors.append("The file is empty.")
        return result
    header = [normalise_header(name) for name in table[0]]
    unknown = [name for name in header if name not in COLUMNS]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if unknown:
        result.errors.append(
            f"Unknown column{'s' if len(unknown) > 1 else ''} {', '.join(shown(name) for name in unknown)}: "
            f"the columns are {', '.join(COLUMNS)}."
        )
    if missing:
        result.errors.append(f"The file needs the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}.")
    if len(set(header)) != len(header):
        result.errors.append("A column appears twice in the header.")
    if result.errors:
        return result
    if len(table) - 1 > MAX_ROWS:
        result.errors.append(f"The file has {len(table) - 1} rows; the limit is {MAX_ROWS}. Split it.")
        return result
    if len(table) == 1:
        result.errors.append("The file has a header but no people.")
        return result

    rows = []
    for number, cells in enumerate(table[1:], start=2):
        values = dict(zip(header, (csv_unquote(cell.strip()) for cell in cells), strict=False))
        row = RosterRow(
            line=number,
            email=User.objects.normalize_email(values.get("email", "")).lower(),
            name=values.get("name", ""),
            team_name=values.get("team", ""),
            role_text=values.get("role", ""),
        )
        if len(cells) > len(header):
            row.errors.append(f"The row has {len(cells)} cells but the header names {len(header)} columns.")
        rows.append(row)
    _check(rows, art)
    result.rows = rows
    return result


def _check(rows: list[RosterRow], art: ART) -> None:
    emails = {row.email for row in rows if row.email}
    accounts = {user.email: user for user in User.objects.filter(email__in=emails)}
    on_train = set(Membership.objects.filter(art=art, user__email__in=emails).values_list("user__email", flat=True))
    teams = {team.name.casefold(): team for team in Team.objects.for_art(art).active()}
    team_names = ", ".join(sorted(team.name for team in teams.values())) or "none yet"
    first_line: dict[str, int] = {}
    for row in rows:
        if not row.email:
            row.errors.append("The email is missing.")
        else:
            try:
                services.normalised_email(row.email)
            except ValidationError:
                row.errors.append(f"“{shown(row.email)}” is not an email address.")
            else:
                row.existing = accounts.get(row.email)
                if row.email in on_train:
                    row.errors.append(f"{row.email} is already on this train.")
                elif row.email in first_line:
                    row.errors.append(f"{row.email} is also on line {first_line[row.email]}: invite each person once.")
                first_line.setdefault(row.email, row.line)
        if row.existing is None and not row.name:
            row.errors.append("Nobody has this email yet: give the person's name.")
        elif len(row.name) > NAME_MAX_LENGTH:
            row.errors.append(f"The name has {len(row.name)} characters; the limit is {NAME_MAX_LENGTH}.")
        elif not is_storable(row.name):
            row.errors.append("The name contains characters that cannot be stored.")
        row.role = ROLE_ALIASES.get(row.role_text.casefold())
        if row.role is None:
            row.errors.append(
                f"Unknown role “{shown(row.role_text)}”: use one of {ROLE_HELP}."
                if row.role_text
                else f"The role is missing: use one of {ROLE_HELP}."
            )
        if row.team_name:
            row.team = teams.get(row.team_name.casefold())
            if row.team is None:
                row.errors.append(f"Unknown team “{shown(row.team_name)}”: this train's teams are {team_names}.")
        if row.role is not None:
            if row.role.needs_team and not row.team_name:
                row.errors.append(f"A {row.role.label} belongs to a team: name it in the team column.")
            elif not row.role.needs_team and row.team_name:
                row.errors.append(f"A {row.role.label} serves the whole train: leave the team empty.")


@transaction.atomic
def save(roster: RosterPreview, *, art: ART, by: User) -> list[Membership]:
    """Invite every row, or nobody: RosterRefused (with the preview's errors) when any row is refused."""
    if not roster.is_valid:
        raise RosterRefused(roster)
    saved = []
    for row in roster.rows:
        try:
            with transaction.atomic():
                saved.append(
                    services.invite_person(
                        art, by=by, email=row.email, display_name=row.name, role=row.role, team=row.team
                    )
                )
        except ValidationError as error:
            row.errors.extend(error.messages)
    if roster.rows_with_errors:
        raise RosterRefused(roster)  # leaving the transaction undoes every row saved before

    return saved
