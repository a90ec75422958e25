"""The dependency map of a PI: needing teams × providers, each cell coloured by its worst health.

The map is built from plain values (one query for all open dependencies of a PI) and grouped
here, so that its number of queries does not grow with the train.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from artops.models import Team
from risks.models import Health

# Worst first: a dependency that is planned too late or not planned at all colours its cell.
SEVERITY = {Health.RED: 0, Health.UNPLANNED: 1, Health.AMBER: 2, Health.GREEN: 3, Health.CLOSED: 4}


def worst(healths: Iterable[Health]) -> Health | None:
    return min(healths, key=SEVERITY.__getitem__, default=None)


@dataclass
class MapColumn:
    """A provider: a team of the train or a named external party."""

    label: str
    team_id: int | None = None
    external_party: str = ""

    @property
    def is_external(self) -> bool:
        return self.team_id is None


@dataclass
class MapCell:
    column: MapColumn
    healths: list[Health] = field(default_factory=list)
    url: str = ""
    is_self: bool = False

    @property
    def count(self) -> int:
        return len(self.healths)

    @property
    def health(self) -> Health | None:
        return worst(self.healths)

    @property
    def description(self) -> str:
        """What a screen reader says for the cell."""
        if not self.count:
            return "none"
        plural = "dependency" if self.count == 1 else "dependencies"
        return f"{self.count} open {plural}, worst: {self.health.label}"


@dataclass
class MapRow:
    team: Team
    cells: list[MapCell]

    @property
    def total(self) -> int:
        return sum(cell.count for cell in self.cells)


@dataclass
class DependencyMap:
    columns: list[MapColumn]
    rows: list[MapRow]

    @property
    def total(self) -> int:
        return sum(row.total for row in self.rows)


# (needing team id, providing team id, external party, planned start, needed start, state)
MapValues = tuple[int, int | None, str, date | None, date, str]


def build_map(teams: list[Team], values: Iterable[MapValues], link: Callable[[int, MapColumn], str]) -> DependencyMap:
    """Needing teams × providers of the given open dependencies, each cell with its healths.

    Rows and team columns are the train's active teams and any other team that appears;
    external parties get a column each (names compared without case), after the teams.
    ``link(needing_team_id, column)`` gives the URL of the list filtered by that pair.
    """
    values = list(values)
    seen_team_ids = {value[0] for value in values} | {value[1] for value in values if value[1] is not None}
    shown = [team for team in teams if team.active or team.pk in seen_team_ids]
    externals: dict[str, str] = {}
    for _, providing_id, external, *_ in values:
        if providing_id is None:
            externals.setdefault(external.casefold(), external)
    columns = [MapColumn(team.name, team_id=team.pk) for team in shown]
    columns += [MapColumn(name, external_party=name) for _, name in sorted(externals.items())]

    cells: dict[tuple[int, int | str], MapCell] = {}
    rows = []
    for team in shown:
        row = MapRow(team, [])
        for column in columns:
            cell = MapCell(column, url=link(team.pk, column), is_self=column.team_id == team.pk)
            cells[team.pk, _column_key(column.team_id, column.external_party)] = cell
            row.cells.append(cell)
        rows.append(row)
    for needing_id, providing_id, external, planned_start, needed_start, state in values:
        cell = cells.get((needing_id, _column_key(providing_id, external)))
        if cell is not None:
            cell.healths.append(Health.of(state, planned_start, needed_start))
    return DependencyMap(columns, rows)


def _column_key(team_id: int | None, external: str) -> int | str:
    return team_id if team_id is not None else external.casefold()
