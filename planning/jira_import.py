"""Import of the backlog from Jira's CSV export: read the export, map it, preview it, save it all or nothing.

The file is what Jira's issue search exports ("Export → CSV (all fields)"): UTF-8, a header row
with Jira's column names, and one row per issue. Jira repeats a header for every value of a
multi-value field (``Sprint``, ``Labels``, ``Fix Version/s``, ``Component/s`` and each issue-link
column such as ``Outward issue link (Blocks)``), so a column name may appear many times; its
values are read together. Headers are matched without regard to case.

Read columns:

    Issue key                          required; the key by which a later export updates the row
    Summary, Issue Type, Status        required
    Description                        a feature's description (optional)
    Parent key / Parent / Parent id /  a story's feature; ``Parent id`` (or a numeric ``Parent``)
    Epic Link                          is resolved through ``Issue id``
    Fix Version/s                      the PI, by name (else the mapping's PI, for stories)
    Sprint                             a story's iteration, by the iteration's name or "PI name
                                       iteration name" (else the story is not yet planned)
    the points column                  chosen in the mapping (``Story Points`` or a custom field)
    the team column                    chosen in the mapping (``Team``, ``Component/s``, ``Labels``…)
    Outward / Inward issue link        "blocks" links; between issues of different teams they become
    (Blocks)                           dependencies (by the providers of
                                       ``artops.extensions.IMPORTED_BLOCKING_LINKS``: risks)

Every other column is ignored: an export carries a hundred of them.

The mapping (``Mapping``) turns issue types into features, enablers, stories or nothing, statuses
into feature and story states, and the team column's values into the train's teams; the train
remembers it (``JiraMapping``). Features and stories are found again by their Jira key (stored on
them, unique per train): a row whose issue was imported before updates it where it changed and
leaves it untouched where it did not, so the same export imported twice changes nothing.

Set-based: the preview reads what exists in a constant number of queries, and saving writes each
table once (``bulk_create`` with ``update_conflicts`` on the Jira key, which PostgreSQL receives as
one ``INSERT … SELECT FROM UNNEST`` whatever the number of rows).
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from artops import extensions
from artops.models import ART, Iteration, ProgramIncrement, Team, User
from artops.parsing import shown, unstorable_reason
from planning import imports
from planning.models import (
    FEATURE_TEXT_MAX_LENGTH,
    WSJF_INPUTS,
    BoardClock,
    Feature,
    FeatureCounter,
    FeatureStateChange,
    JiraMapping,
    Story,
    key_prefix,
)

MAX_BYTES = 30_000_000
MAX_ROWS = 20_000
# The preview's table shows the rows with errors, and this many others.
SHOWN_ROWS = 100
TITLE_MAX_LENGTH = Feature._meta.get_field("title").max_length
JIRA_KEY = re.compile(r"[A-Z][A-Z0-9_]{0,19}-[0-9]{1,10}", re.ASCII)
KEY_MAX_LENGTH = 32
# The longest issue type, status or team name the mapping offers (and remembers).
NAME_MAX_LENGTH = 100
MAPPING_MAX_ENTRIES = 1000
LINK_COLUMN = re.compile(r"(outward|inward) issue link \((.+)\)")
MAX_POINTS = Story.MAX_POINTS

REQUIRED = ("issue key", "summary", "issue type", "status")


class Kind:
    """What a Jira issue type becomes."""

    FEATURE = "feature"
    ENABLER = "enabler"
    STORY = "story"
    SKIP = "skip"
    CHOICES = (
        (FEATURE, "Business feature"),
        (ENABLER, "Enabler"),
        (STORY, "Story"),
        (SKIP, "Not imported"),
    )
    VALUES = (FEATURE, ENABLER, STORY, SKIP)
    FEATURE_KINDS = (FEATURE, ENABLER)


FEATURE_TYPE = {Kind.FEATURE: Feature.Type.BUSINESS, Kind.ENABLER: Feature.Type.ENABLER}

# Guesses for a train without a remembered mapping; every one can be changed in the preview.
TYPE_GUESSES = {"epic": Kind.FEATURE, "feature": Kind.FEATURE, "enabler": Kind.ENABLER, "sub-task": Kind.SKIP}
DONE_WORDS = ("done", "closed", "resolved", "released", "complete", "accepted")
CANCEL_WORDS = ("cancel", "won't", "wont", "rejected", "duplicate", "obsolete")
PROGRESS_WORDS = ("progress", "develop", "implement", "doing", "started")
VALIDATE_WORDS = ("review", "test", "qa", "verif", "validat", "accept")
ANALYSE_WORDS = ("analys", "analyz", "refine", "ready")
TEAM_COLUMNS = ("team", "custom field (team)", "team name", "custom field (team name)")
POINTS_COLUMNS = (
    "story points",
    "custom field (story points)",
    "story point estimate",
    "custom field (story point estimate)",
)
PARENT_KEY_COLUMNS = ("parent key", "epic link", "custom field (epic link)", "parent", "parent id")


def _has(words: tuple[str, ...], text: str) -> bool:
    return any(word in text for word in words)


def guess_kind(issue_type: str) -> str:
    name = issue_type.casefold()
    if name in TYPE_GUESSES:
        return TYPE_GUESSES[name]
    return Kind.SKIP if "sub" in name and "task" in name else Kind.STORY


def guess_feature_state(status: str) -> str:
    name = status.casefold()
    if _has(CANCEL_WORDS, name):
        return Feature.State.CANCELLED
    if _has(DONE_WORDS, name):
        return Feature.State.DONE
    if _has(VALIDATE_WORDS, name):
        return Feature.State.VALIDATING
    if _has(PROGRESS_WORDS, name):
        return Feature.State.IMPLEMENTING
    if _has(ANALYSE_WORDS, name):
        return Feature.State.ANALYZING
    if "backlog" in name:
        return Feature.State.BACKLOG
    return Feature.State.FUNNEL


def guess_story_state(status: str) -> str:
    name = status.casefold()
    if _has(DONE_WORDS, name) or _has(CANCEL_WORDS, name):
        return Story.State.DONE
    if _has(PROGRESS_WORDS, name) or _has(VALIDATE_WORDS, name):
        return Story.State.IN_PROGRESS
    return Story.State.TODO


# --- the file ------------------------------------------------------------------------------------


@dataclass
class Header:
    """The header row: every column name (casefolded) with its positions, repeated names together."""

    names: list[str]
    positions: dict[str, list[int]] = field(default_factory=dict)
    # Positions of the "blocks" link columns: (outward, inward).
    outward: list[int] = field(default_factory=list)
    inward: list[int] = field(default_factory=list)

    @classmethod
    def read(cls, cells: list[str]) -> Header:
        header = cls(names=[cell.strip() for cell in cells])
        for position, name in enumerate(header.names):
            folded = name.casefold()
            if not folded:
                continue
            header.positions.setdefault(folded, []).append(position)
            link = LINK_COLUMN.fullmatch(folded)
            if link and link.group(2).strip() == "blocks":
                (header.outward if link.group(1) == "outward" else header.inward).append(position)
        return header

    def has(self, name: str) -> bool:
        return name in self.positions

    def values(self, cells: list[str], name: str) -> list[str]:
        """The non-empty values of column ``name`` (every column of that name) in ``cells``."""
        return [
            imports.unquote(cells[position].strip())
            for position in self.positions.get(name, ())
            if position < len(cells) and cells[position].strip()
        ]

    def value(self, cells: list[str], *names: str) -> str:
        """The first value of the first of ``names`` that has one."""
        for name in names:
            found = self.values(cells, name)
            if found:
                return found[0]
        return ""

    @property
    def choosable(self) -> list[str]:
        """Column names a mapping may choose for the team or the points, as written, each once."""
        seen: dict[str, str] = {}
        for name in self.names:
            if name and name.casefold() not in seen:
                seen[name.casefold()] = name
        return list(seen.values())


@dataclass
class Issue:
    """One row of the export, read but not yet mapped."""

    line: int
    key: str
    issue_id: str
    summary: str
    issue_type: str
    status: str
    description: str | None
    parent: str
    fix_versions: list[str]
    sprints: list[str]
    points: str
    teams: list[str]
    blocks: list[str]
    blocked_by: list[str]
    errors: list[str] = field(default_factory=list)


@dataclass
class ExportFile:
    """The export as read: its header, its issues and the distinct values a mapping maps."""

    header: Header
    issues: list[Issue]
    errors: list[str] = field(default_factory=list)

    @property
    def issue_types(self) -> list[str]:
        return _mappable(issue.issue_type for issue in self.issues)

    @property
    def statuses(self) -> list[str]:
        return _mappable(issue.status for issue in self.issues)

    @property
    def team_values(self) -> list[str]:
        return _mappable(value for issue in self.issues for value in issue.teams)


def _mappable(values) -> list[str]:
    """The distinct names a mapping offers a choice for, sorted; empty and overlong ones left out."""
    return sorted({value for value in values if value and len(value) <= NAME_MAX_LENGTH}, key=str.casefold)


def read_header(text: str) -> Header:
    """The header row alone (the mapping's column choices depend on it)."""
    try:
        first = next(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")), [])
    except csv.Error:
        first = []
    return Header.read(first)


def read_file(text: str, *, team_column: str = "", points_column: str = "") -> ExportFile:
    """Read ``text`` as a Jira export; file errors (no header, no issues, too many rows…) in ``errors``."""
    empty = ExportFile(header=Header(names=[]), issues=[])
    text = text.removeprefix("\ufeff")
    if not text.strip():
        empty.errors.append("The file is empty.")
        return empty
    try:
        records = imports.records(text)
    except imports.CSVFileError as error:
        empty.errors.append(str(error))
        return empty
    (_, header_cells), *data = records
    header = Header.read(header_cells)
    missing = [name for name in REQUIRED if not header.has(name)]
    if missing:
        names = ", ".join(f"“{name.title()}”" for name in missing)
        empty.header = header
        empty.errors.append(
            f"This is not a Jira export: it has no {names} column{'s' if len(missing) > 1 else ''}. "
            "In Jira, export the issue search as “CSV (all fields)” or “CSV (current fields)”."
        )
        return empty
    data = [(line, cells) for line, cells in data if any(cell.strip() for cell in cells)]
    if not data:
        return ExportFile(header=header, issues=[], errors=["The file has a header but no issues."])
    if len(data) > MAX_ROWS:
        return ExportFile(
            header=header,
            issues=[],
            errors=[f"The file has {len(data):,} issues; the limit is {MAX_ROWS:,}. Split the search in Jira."],
        )
    team_column = team_column.casefold()
    points_column = points_column.casefold()
    issues = []
    has_description = header.has("description")
    for line, cells in data:

        def one(*names, cells=cells):
            return header.value(cells, *names)

        def links(positions, cells=cells):
            return [cells[p].strip() for p in positions if p < len(cells) and cells[p].strip()]

        issue = Issue(
            line=line,
            key=one("issue key").upper(),
            issue_id=one("issue id"),
            summary=one("summary"),
            issue_type=one("issue type"),
            status=one("status"),
            description=one("description") if has_description else None,
            parent=one(*PARENT_KEY_COLUMNS),
            fix_versions=header.values(cells, "fix version/s") or header.values(cells, "fix versions"),
            sprints=header.values(cells, "sprint"),
            points=one(points_column) if points_column else "",
            teams=header.values(cells, team_column) if team_column else [],
            blocks=[key.upper() for key in links(header.outward)],
            blocked_by=[key.upper() for key in links(header.inward)],
        )
        for name, value in (("issue type", issue.issue_type), ("status", issue.status)):
            if len(value) > NAME_MAX_LENGTH:
                # Not offered in the mapping: a name that long is no Jira type or status.
                issue.errors.append(f"The {name} has {len(value):,} characters; at most {NAME_MAX_LENGTH} are allowed.")
        if len(cells) > len(header.names) and any(cell.strip() for cell in cells[len(header.names) :]):
            issue.errors.append(f"The row has {len(cells)} cells; the header names {len(header.names)} columns.")
        issues.append(issue)
    return ExportFile(header=header, issues=issues)


# --- the mapping ---------------------------------------------------------------------------------


@dataclass
class Mapping:
    """How this train reads the export. Keys of the dicts are casefolded Jira values."""

    types: dict[str, str] = field(default_factory=dict)
    feature_states: dict[str, str] = field(default_factory=dict)
    story_states: dict[str, str] = field(default_factory=dict)
    # A column's name as written; "" for none; None: guessed from the header (``default_columns``).
    team_column: str | None = None
    points_column: str | None = None
    # A Jira team name → a team id of the train; 0 = not one of the train's teams.
    teams: dict[str, int] = field(default_factory=dict)
    pi_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "types": self.types,
            "feature_states": self.feature_states,
            "story_states": self.story_states,
            "team_column": self.team_column,
            "points_column": self.points_column,
            "teams": self.teams,
            "pi": self.pi_id,
        }

    def kind(self, issue_type: str) -> str:
        return self.types.get(issue_type.casefold()) or guess_kind(issue_type)

    def feature_state(self, status: str) -> str:
        return self.feature_states.get(status.casefold()) or guess_feature_state(status)

    def story_state(self, status: str) -> str:
        return self.story_states.get(status.casefold()) or guess_story_state(status)


class MappingError(ValueError):
    """A mapping that cannot be used, with a message for each wrong entry."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__("; ".join(messages))


def _choice_dict(raw: Any, name: str, allowed: tuple[str, ...], errors: list[str]) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        errors.append(f"“{name}” maps Jira names to values: an object.")
        return {}
    result = {}
    if len(raw) > MAPPING_MAX_ENTRIES:
        errors.append(f"“{name}” has {len(raw):,} entries; at most {MAPPING_MAX_ENTRIES:,} are allowed.")
        return {}
    for key, value in raw.items():
        if not isinstance(key, str) or len(key) > NAME_MAX_LENGTH:
            errors.append(f"{name}: “{shown(key)}” is not a Jira name (at most {NAME_MAX_LENGTH} characters).")
            continue
        if not isinstance(value, str) or value not in allowed:
            errors.append(f"{name}: “{shown(key)}” → “{shown(value)}”: choose one of {', '.join(allowed)}.")
            continue
        result[key.strip().casefold()] = value
    return result


def clean_mapping(raw: Any, *, art: ART, header: Header | None = None) -> Mapping:
    """A ``Mapping`` from its JSON shape (the API's, the stored one's, the form's); MappingError if wrong.

    Teams must be the train's teams, the PI one of its PIs, the columns columns of ``header``.
    """
    if not isinstance(raw, dict):
        raise MappingError(["The mapping is an object."])
    errors: list[str] = []
    mapping = Mapping(
        types=_choice_dict(raw.get("types"), "types", Kind.VALUES, errors),
        feature_states=_choice_dict(raw.get("feature_states"), "feature_states", tuple(Feature.State.values), errors),
        story_states=_choice_dict(raw.get("story_states"), "story_states", tuple(Story.State.values), errors),
    )
    for name in ("team_column", "points_column"):
        if name not in raw or raw[name] is None:
            continue
        value = raw[name]
        if not isinstance(value, str):
            errors.append(f"{name} is the name of a column.")
            continue
        value = value.strip()
        if value and header is not None and not header.has(value.casefold()):
            errors.append(f"{name}: the file has no column “{shown(value)}”.")
            continue
        setattr(mapping, name, value)
    teams = raw.get("teams") or {}
    if not isinstance(teams, dict):
        errors.append("“teams” maps Jira team names to team ids: an object.")
        teams = {}
    known = set(Team.objects.for_art(art).values_list("pk", flat=True)) if teams else set()
    if len(teams) > MAPPING_MAX_ENTRIES:
        errors.append(f"“teams” has {len(teams):,} entries; at most {MAPPING_MAX_ENTRIES:,} are allowed.")
        teams = {}
    for key, value in teams.items():
        if (
            not isinstance(key, str)
            or len(key) > NAME_MAX_LENGTH
            or type(value) is not int
            or (value and value not in known)
        ):
            errors.append(f"teams: “{shown(key)}” → “{shown(value)}” is not a team of this train.")
            continue
        mapping.teams[key.strip().casefold()] = value
    pi = raw.get("pi")
    if pi is not None:
        if type(pi) is not int or not ProgramIncrement.objects.for_art(art).filter(pk=pi).exists():
            errors.append(f"pi: “{shown(pi)}” is not a PI of this train.")
        else:
            mapping.pi_id = pi
    if errors:
        raise MappingError(errors)
    return mapping


def remembered_mapping(art: ART) -> Mapping:
    """The mapping the train chose last time (what no longer fits is dropped), else the guesses."""
    stored = JiraMapping.objects.filter(art=art).values_list("mapping", flat=True).first()
    if not stored:
        return Mapping()
    try:
        return clean_mapping(stored, art=art)
    except MappingError:
        # A team or PI was deleted since: start again from the guesses rather than refuse the page.
        return Mapping()


def default_columns(mapping: Mapping, header: Header) -> Mapping:
    """``mapping`` with the team and points columns guessed from ``header`` where it leaves them to a
    guess (None) or names one this file does not have."""
    for name, guesses in (("team_column", TEAM_COLUMNS), ("points_column", POINTS_COLUMNS)):
        current = getattr(mapping, name)
        if current == "" or (current and header.has(current.casefold())):
            continue
        found = next((guess for guess in guesses if header.has(guess)), "")
        written = next((n for n in header.names if n.casefold() == found), "") if found else ""
        setattr(mapping, name, written)
    return mapping


# --- the preview ---------------------------------------------------------------------------------


@dataclass
class Row:
    """One issue as it will be imported, with its errors, and what it does to the train."""

    issue: Issue
    kind: str = Kind.SKIP
    state: str = ""
    team: Team | None = None
    pi: ProgramIncrement | None = None
    iteration: Iteration | None = None
    points: int | None = None
    parent: str = ""
    # "new", "changed", "unchanged" or "" (not imported).
    change: str = ""

    @property
    def line(self) -> int:
        return self.issue.line

    @property
    def errors(self) -> list[str]:
        return self.issue.errors

    @property
    def kind_label(self) -> str:
        return dict(Kind.CHOICES)[self.kind]

    @property
    def state_label(self) -> str:
        if self.kind in Kind.FEATURE_KINDS:
            return Feature.State(self.state).label
        if self.kind == Kind.STORY:
            return Story.State(self.state).label
        return ""


@dataclass(frozen=True)
class BlockingLink:
    """A Jira "blocks" link between issues of two teams: the blocker's team provides, the other needs.

    What ``IMPORTED_BLOCKING_LINKS`` providers receive. The features are those of the two issues
    (the issue itself, or a story's feature); they are saved (with ids) when the import saves.
    ``needed_by`` is the blocked story's iteration, else the last development iteration of its PI;
    ``planned_iteration`` the blocking story's iteration, if any.
    """

    line: int
    blocker: str
    blocked: str
    pi: ProgramIncrement
    needing_team: Team
    providing_team: Team
    needed_by: Iteration | None
    planned_iteration: Iteration | None
    needing_feature: Feature | None
    providing_feature: Feature | None

    @property
    def description(self) -> str:
        """The dependency's text, by which a later import recognises it (so it is raised once)."""
        return f"{self.blocker} blocks {self.blocked} (imported from Jira)"


@dataclass
class Preview:
    """What importing the export with a mapping would do; ``errors`` concern the file, rows carry theirs."""

    file: ExportFile
    mapping: Mapping
    rows: list[Row] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    links: list[BlockingLink] = field(default_factory=list)
    # Links within one team, or with an issue that has no team or is not imported: no dependency.
    ignored_links: int = 0
    # Per link index, why the dependency could not be raised (from the providers).
    link_errors: dict[int, str] = field(default_factory=dict)
    # What saving needs, read once by ``preview``.
    features: dict[str, Feature] = field(default_factory=dict)
    stories: dict[str, Story] = field(default_factory=dict)

    @property
    def rows_with_errors(self) -> list[Row]:
        return [row for row in self.rows if row.errors]

    @property
    def shown_rows(self) -> list[Row]:
        """The rows the preview's table shows: every row with an error, then the first others."""
        with_errors = self.rows_with_errors
        others = [row for row in self.rows if not row.errors][:SHOWN_ROWS]
        return sorted([*with_errors[:500], *others], key=lambda row: row.line)

    @property
    def link_messages(self) -> list[str]:
        return [f"Line {self.links[index].line}: {message}" for index, message in sorted(self.link_errors.items())]

    @property
    def is_valid(self) -> bool:
        return bool(self.rows) and not self.errors and not self.rows_with_errors and not self.link_errors

    @property
    def messages(self) -> list[str]:
        return [
            *self.errors,
            *(f"Line {row.line}: {error}" for row in self.rows for error in row.errors),
            *self.link_messages,
        ]

    def counts(self) -> dict[str, int]:
        """How many features and stories are new, changed, unchanged; issues skipped; dependencies."""
        tally = Counter((("feature" if row.kind in Kind.FEATURE_KINDS else row.kind), row.change) for row in self.rows)
        return {
            "features_new": tally["feature", "new"],
            "features_changed": tally["feature", "changed"],
            "features_unchanged": tally["feature", "unchanged"],
            "stories_new": tally["story", "new"],
            "stories_changed": tally["story", "changed"],
            "stories_unchanged": tally["story", "unchanged"],
            "skipped": sum(1 for row in self.rows if row.kind == Kind.SKIP),
            "dependencies": len(self.links),
            "links_ignored": self.ignored_links,
        }


def _points(row: Row) -> None:
    cell = row.issue.points
    if not cell:
        row.points = 0
        return
    # Jira writes story points as decimals ("5.0"): a whole number is read, a fraction is not.
    match = re.fullmatch(r"([0-9]{1,4})(?:\.0*)?", cell, re.ASCII)
    value = int(match.group(1)) if match else None
    if value is None or value > MAX_POINTS:
        row.errors.append(f"Points “{shown(cell)}”: a story has a whole number of points from 0 to {MAX_POINTS}.")
    else:
        row.points = value


def _text(row: Row, name: str, value: str, limit: int) -> bool:
    reason = unstorable_reason(value)
    if reason is not None:
        row.errors.append(f"{name}: {reason}")
        return False
    if len(value) > limit:
        row.errors.append(f"{name} has {len(value):,} characters; at most {limit:,} are allowed.")
        return False
    return True


class _Train:
    """What the preview reads of the train, once."""

    def __init__(self, art: ART, mapping: Mapping):
        self.pis = {pi.name.casefold(): pi for pi in ProgramIncrement.objects.for_art(art)}
        self.pis_by_id = {pi.pk: pi for pi in self.pis.values()}
        self.iterations: dict[int, list[Iteration]] = {}
        for iteration in Iteration.objects.filter(pi__art=art).order_by("pi", "number"):
            iteration.pi = self.pis_by_id[iteration.pi_id]
            self.iterations.setdefault(iteration.pi_id, []).append(iteration)
        teams = list(Team.objects.for_art(art))
        self.teams_by_id = {team.pk: team for team in teams}
        self.teams = {team.name.casefold(): team for team in teams}
        for value, team_id in mapping.teams.items():
            self.teams[value] = self.teams_by_id.get(team_id)
        self.default_pi = self.pis_by_id.get(mapping.pi_id) if mapping.pi_id else None

    def pi_of(self, versions: list[str]) -> ProgramIncrement | None:
        return next((self.pis[v.casefold()] for v in versions if v.casefold() in self.pis), None)

    def iteration_of(self, pi: ProgramIncrement, sprints: list[str]) -> Iteration | None:
        """The iteration named by the last sprint (Jira lists a story's sprints oldest first)."""
        for sprint in reversed(sprints):
            name = sprint.casefold()
            for iteration in self.iterations.get(pi.pk, ()):
                if name in (iteration.name.casefold(), f"{pi.name} {iteration.name}".casefold()):
                    return iteration
        return None

    def last_development_iteration(self, pi: ProgramIncrement) -> Iteration | None:
        development = [iteration for iteration in self.iterations.get(pi.pk, ()) if not iteration.is_ip]
        return development[-1] if development else None


def _map_row(issue: Issue, mapping: Mapping, train: _Train, *, multi_team: bool) -> Row:
    row = Row(issue=issue, kind=mapping.kind(issue.issue_type) if issue.issue_type else Kind.SKIP)
    errors = issue.errors
    if not issue.key:
        errors.append("The issue key is empty.")
    elif len(issue.key) > KEY_MAX_LENGTH or not JIRA_KEY.fullmatch(issue.key):
        errors.append(f"“{shown(issue.key)}” is not a Jira issue key (such as PAY-123).")
    if not issue.issue_type:
        errors.append("The issue type is empty.")
    if row.kind == Kind.SKIP:
        return row
    if not issue.summary:
        errors.append("The summary is empty.")
    elif len(issue.summary) > TITLE_MAX_LENGTH:
        errors.append(f"The summary has {len(issue.summary)} characters; at most {TITLE_MAX_LENGTH} are allowed.")
    else:
        _text(row, "Summary", issue.summary, TITLE_MAX_LENGTH)
    if issue.teams:
        found = [train.teams.get(value.casefold()) for value in issue.teams]
        row.team = next((team for team in found if team is not None), None)
        # A repeated column (Labels, Component/s) holds other words too: one of them naming a team is enough.
        if row.team is None and (row.kind == Kind.STORY or not multi_team):
            values = ", ".join(f"“{shown(value)}”" for value in issue.teams)
            known = ", ".join(team.name for team in train.teams_by_id.values()) or "none yet"
            errors.append(f"Team {values} is not a team of this train (its teams: {known}); map it in the preview.")
    pi = train.pi_of(issue.fix_versions)
    if row.kind in Kind.FEATURE_KINDS:
        row.state = mapping.feature_state(issue.status)
        row.pi = pi
        if issue.description is not None:
            _text(row, "Description", issue.description, FEATURE_TEXT_MAX_LENGTH)
        return row
    row.state = mapping.story_state(issue.status)
    row.pi = pi or train.default_pi
    if row.team is None and not issue.teams:
        column = mapping.team_column or "no team column is chosen"
        errors.append(f"A story needs its team (column: {column}).")
    if row.pi is None:
        errors.append("A story needs a PI: its fix version names none of this train's PIs, and no PI is chosen.")
    else:
        row.iteration = train.iteration_of(row.pi, issue.sprints)
        if row.iteration is not None and row.iteration.is_ip:
            errors.append(f"Sprint “{row.iteration.name}” is the IP iteration, which takes no stories.")
    _points(row)
    row.parent = issue.parent
    return row


def preview(text: str, *, art: ART, mapping: Mapping | None = None, check_links: bool = True) -> Preview:
    """Read and check the export with ``mapping`` (default: the train's, else guesses) without saving.

    A constant number of queries, whatever the number of rows.
    """
    mapping = mapping if mapping is not None else remembered_mapping(art)
    mapping = default_columns(mapping, read_header(text))
    export = read_file(text, team_column=mapping.team_column or "", points_column=mapping.points_column or "")
    result = Preview(file=export, mapping=mapping, errors=list(export.errors))
    if result.errors:
        return result
    train = _Train(art, mapping)
    multi_team = len(export.header.positions.get((mapping.team_column or "").casefold(), ())) > 1
    result.rows = [_map_row(issue, mapping, train, multi_team=multi_team) for issue in export.issues]
    _check_keys(result, art)
    _compare(result, art)
    _collect_links(result, train)
    if check_links and not result.errors and not result.rows_with_errors:
        result.link_errors = extensions.links(
            extensions.IMPORTED_BLOCKING_LINKS, art=art, links=result.links, by=None, save=False
        )
    return result


def _check_keys(result: Preview, art: ART) -> None:
    """Duplicate keys, parents and links that name no issue; a key that changed between feature and story."""
    by_key: dict[str, Row] = {}
    counts = Counter(row.issue.key for row in result.rows if row.issue.key)
    for row in result.rows:
        if counts[row.issue.key] > 1:
            row.errors.append(f"The issue key {row.issue.key} appears on {counts[row.issue.key]} rows.")
        by_key.setdefault(row.issue.key, row)
    ids = {row.issue.issue_id: row.issue.key for row in result.rows if row.issue.issue_id}
    result.features = {
        feature.jira_key: feature for feature in Feature.objects.for_art(art).filter(jira_key__isnull=False)
    }
    result.stories = {story.jira_key: story for story in Story.objects.filter(jira_art=art)}
    known = set(by_key) | set(result.features) | set(result.stories)
    for row in result.rows:
        if row.kind == Kind.SKIP:
            continue
        key = row.issue.key
        if row.kind == Kind.STORY and key in result.features:
            row.errors.append(f"{key} was imported as a feature; it cannot become a story.")
        if row.kind in Kind.FEATURE_KINDS and key in result.stories:
            row.errors.append(f"{key} was imported as a story; it cannot become a feature.")
        if row.kind == Kind.STORY and row.parent:
            parent = ids.get(row.parent, row.parent.upper())
            target = by_key.get(parent)
            if target is not None and target.kind not in Kind.FEATURE_KINDS:
                row.errors.append(f"Its parent {parent} is imported as {target.kind_label.lower()}, not a feature.")
            elif target is None and parent not in result.features:
                row.errors.append(f"Its parent {shown(parent)} is not in the file nor imported before.")
            row.parent = parent
        for linked in (*row.issue.blocks, *row.issue.blocked_by):
            if linked not in known:
                row.errors.append(
                    f"The link “blocks” names {shown(linked)}, an issue neither in the file nor imported."
                )


FEATURE_FIELDS = ("title", "type", "state", "pi_id", "description")
STORY_FIELDS = ("title", "team_id", "pi_id", "iteration_id", "feature_id", "points", "state")


def _feature_values(row: Row) -> dict[str, Any]:
    values = {
        "title": row.issue.summary,
        "type": FEATURE_TYPE[row.kind],
        "state": row.state,
        "pi_id": row.pi.pk if row.pi else None,
    }
    if row.issue.description is not None:
        values["description"] = row.issue.description
    return values


def _story_values(row: Row, feature_id: int | None) -> dict[str, Any]:
    return {
        "title": row.issue.summary,
        "team_id": row.team.pk if row.team else None,
        "pi_id": row.pi.pk if row.pi else None,
        "iteration_id": row.iteration.pk if row.iteration else None,
        "feature_id": feature_id,
        "points": row.points,
        "state": row.state,
    }


def _differs(obj, values: dict[str, Any]) -> bool:
    return any(getattr(obj, name) != value for name, value in values.items())


def _compare(result: Preview, art: ART) -> None:
    """Mark each importable row new, changed or unchanged against what the train holds."""
    for row in result.rows:
        if row.kind == Kind.SKIP or row.errors:
            continue
        key = row.issue.key
        if row.kind in Kind.FEATURE_KINDS:
            existing = result.features.get(key)
            values = _feature_values(row)
        else:
            existing = result.stories.get(key)
            parent = result.features.get(row.parent)
            # A parent new in this file has no id yet: the story changes if it pointed elsewhere.
            values = _story_values(row, parent.pk if parent else -1 if row.parent else None)
        if existing is None:
            row.change = "new"
        else:
            row.change = "changed" if _differs(existing, values) else "unchanged"


def _feature_of(result: Preview, rows: dict[str, Row], key: str) -> Feature | None:
    """The feature of issue ``key``: itself if a feature, its parent if a story (as saved, or as read)."""
    row = rows.get(key)
    if row is not None and row.kind == Kind.STORY:
        key = row.parent
    return result.features.get(key) if key else None


def _collect_links(result: Preview, train: _Train) -> None:
    """The "blocks" links between two imported issues of different teams, each once."""
    rows = {row.issue.key: row for row in result.rows if row.kind != Kind.SKIP}
    pairs: dict[tuple[str, str], int] = {}
    for row in result.rows:
        if row.kind == Kind.SKIP:
            continue
        for blocked in row.issue.blocks:
            pairs.setdefault((row.issue.key, blocked), row.line)
        for blocker in row.issue.blocked_by:
            pairs.setdefault((blocker, row.issue.key), row.line)
    for (blocker, blocked), line in pairs.items():
        providing, needing = rows.get(blocker), rows.get(blocked)
        if (
            providing is None
            or needing is None
            or providing.team is None
            or needing.team is None
            or providing.team == needing.team
        ):
            result.ignored_links += 1
            continue
        pi = needing.pi or providing.pi
        needed_by = needing.iteration or (train.last_development_iteration(pi) if pi else None)
        result.links.append(
            BlockingLink(
                line=line,
                blocker=blocker,
                blocked=blocked,
                pi=pi,
                needing_team=needing.team,
                providing_team=providing.team,
                needed_by=needed_by,
                planned_iteration=providing.iteration,
                needing_feature=_feature_of(result, rows, blocked),
                providing_feature=_feature_of(result, rows, blocker),
            )
        )


# --- saving ---------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What an import did."""

    counts: dict[str, int]
    dependencies: int


class ImportRefused(Exception):
    """Nothing was saved; the preview says why."""

    def __init__(self, result: Preview):
        self.preview = result
        super().__init__("; ".join(result.messages[:20]))


def save(result: Preview, *, art: ART, by: User) -> Outcome:
    """Write every row of a valid preview; to be called inside the service's transaction.

    Each table is written once: features, their state changes, stories (upserts on the Jira key),
    then the dependencies by the link providers. Rows that did not change are not written.
    """
    if not result.is_valid:
        raise ImportRefused(result)
    now = timezone.now()
    counts = result.counts()
    feature_rows = [row for row in result.rows if row.kind in Kind.FEATURE_KINDS and row.change != "unchanged"]
    new_rows = [row for row in feature_rows if row.change == "new"]
    numbers = iter(FeatureCounter.reserve(art, len(new_rows)) if new_rows else ())
    prefix = key_prefix(art)
    features, moves = [], []
    for row in feature_rows:
        existing = result.features.get(row.issue.key)
        feature = Feature(art=art, jira_key=row.issue.key, **_feature_values(row))
        if existing is None:
            feature.key = f"{prefix}-{next(numbers)}"
            moves.append((feature, ""))
        else:
            feature.key = existing.key
            feature.version = existing.version + 1
            feature.created_at = existing.created_at
            if row.issue.description is None:
                feature.description = existing.description
            # What ARTops owns (the WSJF inputs, the benefit hypothesis…) is kept as it is here.
            for name in ("benefit_hypothesis", "acceptance_criteria", *WSJF_INPUTS):
                setattr(feature, name, getattr(existing, name))
            if existing.state != feature.state:
                moves.append((feature, existing.state))
        features.append(feature)
    if features:
        Feature.objects.bulk_create(
            features,
            update_conflicts=True,
            unique_fields=["art", "jira_key"],
            update_fields=["title", "type", "state", "pi", "description", "version", "updated_at"],
        )
        for feature in features:
            result.features[feature.jira_key] = feature
    if moves:
        FeatureStateChange.objects.bulk_create(
            FeatureStateChange(feature=feature, from_state=before, to_state=feature.state, at=now, by=by)
            for feature, before in moves
        )

    stories = []
    for row in result.rows:
        if row.kind != Kind.STORY:
            continue
        parent = result.features.get(row.parent) if row.parent else None
        values = _story_values(row, parent.pk if parent else None)
        existing = result.stories.get(row.issue.key)
        if existing is not None and not _differs(existing, values):
            continue
        story = Story(jira_art=art, jira_key=row.issue.key, **values)
        if existing is not None:
            story.version = existing.version + 1
            story.created_at = existing.created_at
            story.owner_id = existing.owner_id
        stories.append(story)
    counts["stories_changed"] = sum(1 for story in stories if story.version > 1)
    counts["stories_new"] = len(stories) - counts["stories_changed"]
    counts["stories_unchanged"] = sum(1 for row in result.rows if row.kind == Kind.STORY) - len(stories)
    if stories:
        Story.objects.bulk_create(
            stories,
            update_conflicts=True,
            unique_fields=["jira_art", "jira_key"],
            update_fields=["title", "team", "pi", "iteration", "feature", "points", "state", "version", "updated_at"],
        )

    # The dependencies now know the features' ids (a new feature got one just above).
    rows = {row.issue.key: row for row in result.rows if row.kind != Kind.SKIP}
    links = [
        BlockingLink(
            **{
                **link.__dict__,
                "needing_feature": _feature_of(result, rows, link.blocked),
                "providing_feature": _feature_of(result, rows, link.blocker),
            }
        )
        for link in result.links
    ]
    refusals = extensions.links(extensions.IMPORTED_BLOCKING_LINKS, art=art, links=links, by=by, save=True)
    if refusals:
        result.link_errors = refusals
        raise ImportRefused(result)
    touched = {feature.pi_id for feature in features} | {story.pi_id for story in stories}
    for pi_id in sorted(pi_id for pi_id in touched if pi_id):
        BoardClock.tick(pi_id)
    return Outcome(counts=counts, dependencies=len(links))
