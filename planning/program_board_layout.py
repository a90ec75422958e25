"""Lays out the program board of a PI: reads it in five queries and puts every card and line in place.

What the board shows, and how a line's ends and colour are chosen, is ``planning.program_board``'s
docstring. Here: reading, placing cards in cells, anchoring lines and applying the filters.

The dependencies come from the caller: ``risks`` sits above ``planning`` (DESIGN.md,
"Architecture"), so the page and the API that compose both read risks' queryset themselves
(``Dependency.objects.for_pi(pi).open()``) and pass it here.

Queries: iterations, milestones, teams, placements (with their features), dependencies (with
their features and planned iteration): five, whatever the size of the train. Placements and
dependencies are read as plain rows of only the columns the board shows, not as model
instances: at ten times the reference size that spares some 10,000 objects per request, which
``make bench`` measures.
"""

from __future__ import annotations

from django.db.models import QuerySet

from artops.models import ProgramIncrement, Team
from planning.models import FeaturePlacement, Health
from planning.program_board import (
    Anchor,
    BoardFilters,
    Card,
    Cell,
    IterationColumn,
    Line,
    MilestoneItem,
    ProgramBoard,
    Row,
    Sticky,
    party_row_key,
    team_row_key,
)

# What the board reads of each open dependency (a row of ``.values()``, see ``_line``).
DEPENDENCY_COLUMNS = (
    "pk",
    "description",
    "state",
    "needing_team_id",
    "providing_team_id",
    "external_party",
    "needing_feature_id",
    "needing_feature__key",
    "needing_feature__type",
    "providing_feature_id",
    "providing_feature__key",
    "providing_feature__type",
    "needed_by_id",
    "planned_iteration_id",
    "planned_iteration__name",
    "planned_iteration__start_date",
    "planned_iteration__pi__name",
)


def program_board(pi: ProgramIncrement, *, dependencies: QuerySet, filters: BoardFilters | None = None) -> ProgramBoard:
    """The board of ``pi`` in five queries, whatever the number of teams, features and dependencies.

    ``dependencies``: the PI's open dependencies (``Dependency.objects.for_pi(pi).open()``);
    ``filters``: what to narrow the board to (see ``BoardFilters``), nothing by default.
    """
    filters = filters or BoardFilters()
    iterations = sorted(pi.iterations.all(), key=lambda iteration: (iteration.is_ip, iteration.number))
    columns = [IterationColumn(it.pk, it.number, it.name, it.start_date, it.end_date, it.is_ip) for it in iterations]
    by_id = {iteration.pk: iteration for iteration in iterations}
    milestones = [
        MilestoneItem(
            id=milestone.pk,
            name=milestone.name,
            date=milestone.date,
            description=milestone.description,
            version=milestone.version,
            iteration_id=next((it.pk for it in iterations if it.contains(milestone.date)), None),
        )
        for milestone in pi.milestones.order_by("date", "id")
    ]
    teams = list(Team.objects.filter(art_id=pi.art_id).order_by("name", "id"))
    team_by_id = {team.pk: team for team in teams}
    placements = (
        FeaturePlacement.objects.filter(iteration__pi=pi, team__art_id=pi.art_id)
        .order_by("-feature__wsjf", "-feature__cost_of_delay", "feature__created_at", "feature_id", "team_id")
        .values_list(
            "pk",
            "version",
            "feature_id",
            "feature__key",
            "feature__title",
            "feature__type",
            "feature__state",
            "team_id",
            "iteration_id",
        )
    )
    deps = list(dependencies.order_by("created_at", "id").values(*DEPENDENCY_COLUMNS))

    cards = {}
    card_at: dict[tuple[int, int], Card] = {}
    for placement_id, version, feature_id, key, title, type_, state, team_id, iteration_id in placements:
        card = Card(
            placement_id=placement_id,
            version=version,
            feature_id=feature_id,
            feature_key=key,
            feature_title=title,
            feature_type=type_,
            feature_state=state,
            team_id=team_id,
            iteration_id=iteration_id,
        )
        cards[placement_id] = card
        card_at[(feature_id, team_id)] = card

    parties = sorted(
        {dep["external_party"] for dep in deps if not dep["providing_team_id"]}, key=lambda n: (n.casefold(), n)
    )
    party_key = {name: party_row_key(index) for index, name in enumerate(parties, start=1)}

    lines = [_line(dep, card_at, by_id, party_key, team_by_id) for dep in deps]

    # --- filters ---------------------------------------------------------------------------
    candidate_team_ids = {team.pk for team in teams if team.active}
    candidate_team_ids |= {card.team_id for card in cards.values()}
    candidate_team_ids |= {line.needing_team_id for line in lines}
    candidate_team_ids |= {line.providing_team_id for line in lines if line.providing_team_id}
    focus = candidate_team_ids & filters.team_ids if filters.team_ids is not None else candidate_team_ids

    kept = lines
    if filters.team_ids is not None:
        kept = [line for line in kept if line.needing_team_id in focus or line.providing_team_id in focus]
    if filters.feature_type:
        kept = [line for line in kept if filters.feature_type in line.feature_types]
    if filters.only_red:
        kept = [line for line in kept if line.is_red]

    shown_team_ids = set(focus)
    context_team_ids: set[int] = set()
    anchored_cards: set[int] = set()
    for line in kept:
        for anchor in (line.source, line.target):
            if anchor.kind == "card":
                anchored_cards.add(anchor.placement_id)
        for team_id in (line.needing_team_id, line.providing_team_id):
            if team_id is not None and team_id not in focus:
                context_team_ids.add(team_id)
    shown_team_ids |= context_team_ids
    shown_parties = {line.provider_name for line in kept if line.providing_team_id is None}

    def card_shown(card: Card) -> bool:
        if filters.feature_type and card.feature_type != filters.feature_type:
            return False
        return card.team_id in focus or card.placement_id in anchored_cards

    # --- rows and cells ---------------------------------------------------------------------
    rows: list[Row] = []
    row_by_key: dict[str, Row] = {}
    for team in teams:
        if team.pk not in shown_team_ids:
            continue
        row = Row(
            key=team_row_key(team.pk),
            kind="team",
            label=team.name,
            team_id=team.pk,
            active=team.active,
            is_context=team.pk in context_team_ids,
        )
        rows.append(row)
        row_by_key[row.key] = row
    for name in parties:
        if name in shown_parties:
            row = Row(key=party_key[name], kind="party", label=name)
            rows.append(row)
            row_by_key[row.key] = row
    for row in rows:
        row.cells = [Cell(row.key, column.id, column.is_ip) for column in columns]
    cell_of = {(row.key, cell.iteration_id): cell for row in rows for cell in row.cells}

    shown_cards: set[int] = set()
    for card in cards.values():  # already in rank order
        cell = cell_of.get((team_row_key(card.team_id), card.iteration_id))
        if cell is not None and card_shown(card):
            cell.cards.append(card)
            shown_cards.add(card.placement_id)

    for line in kept:
        line.source = _visible(line.source, shown_cards, cards)
        line.target = _visible(line.target, shown_cards, cards)
        for anchor in (line.source, line.target):
            if anchor.kind == "card":
                cards[anchor.placement_id].line_ids.append(line.dom_id)
            elif anchor.kind == "cell":
                cell_of[(anchor.row_key, anchor.iteration_id)].stickies.append(Sticky(line, anchor))
            else:
                row_by_key[anchor.row_key].unplanned_stickies.append(Sticky(line, anchor))

    return ProgramBoard(
        pi_id=pi.pk,
        pi_name=pi.name,
        iterations=columns,
        milestones=milestones,
        rows=rows,
        lines=kept,
        teams=teams,
        filters=filters,
        unscheduled_milestones=[milestone for milestone in milestones if milestone.iteration_id is None],
    )


def _visible(anchor: Anchor, shown_cards: set[int], cards: dict[int, Card]) -> Anchor:
    """A card filtered out of the board leaves its line's end on a sticky in the card's cell."""
    if anchor.kind != "card" or anchor.placement_id in shown_cards:
        return anchor
    card = cards[anchor.placement_id]
    return Anchor(
        "cell", anchor.row_key, iteration_id=card.iteration_id, dependency_id=anchor.dependency_id, end=anchor.end
    )


def _line(dep: dict, card_at: dict, by_id: dict, party_key: dict, team_by_id: dict) -> Line:
    """One dependency's line: its two anchors and its colour (see the module's docstring).

    ``dep`` is a row of ``DEPENDENCY_COLUMNS``.
    """
    needing_team_id = dep["needing_team_id"]
    needing_feature_id = dep["needing_feature_id"]
    needing_row = team_row_key(needing_team_id)
    needing_card = card_at.get((needing_feature_id, needing_team_id)) if needing_feature_id else None
    if needing_card is not None:
        target = Anchor(
            "card",
            needing_row,
            iteration_id=needing_card.iteration_id,
            placement_id=needing_card.placement_id,
            dependency_id=dep["pk"],
            end="to",
        )
    else:
        target = Anchor("cell", needing_row, iteration_id=dep["needed_by_id"], dependency_id=dep["pk"], end="to")
    needed_by = by_id[dep["needed_by_id"]]
    need = needed_by.start_date
    if needing_card is not None:
        need = min(need, by_id[needing_card.iteration_id].start_date)

    providing_team_id = dep["providing_team_id"]
    providing_feature_id = dep["providing_feature_id"]
    if providing_team_id:
        providing_row = team_row_key(providing_team_id)
        provider_name = team_by_id[providing_team_id].name
        providing_card = card_at.get((providing_feature_id, providing_team_id)) if providing_feature_id else None
    else:
        providing_row = party_key[dep["external_party"]]
        provider_name = dep["external_party"]
        providing_card = None

    # When the provider delivers: the iteration's id, start and name as the board shows it.
    planned_id = providing_card.iteration_id if providing_card is not None else dep["planned_iteration_id"]
    if planned_id in by_id:
        planned = by_id[planned_id]
        planned_start, planned_name = planned.start_date, planned.name
    elif planned_id is not None:
        planned_start = dep["planned_iteration__start_date"]
        planned_name = f"{dep['planned_iteration__pi__name']} {dep['planned_iteration__name']}"
    else:
        planned_start, planned_name = None, "not planned"

    if providing_card is not None:
        source = Anchor(
            "card",
            providing_row,
            iteration_id=providing_card.iteration_id,
            placement_id=providing_card.placement_id,
            dependency_id=dep["pk"],
        )
    elif planned_id in by_id:
        source = Anchor("cell", providing_row, iteration_id=planned_id, dependency_id=dep["pk"])
    else:
        # Not planned, or planned in another PI: a sticky in the row's "not planned" spot.
        source = Anchor("unplanned", providing_row, dependency_id=dep["pk"])

    feature_types = frozenset(
        feature_type
        for feature_id, feature_type in (
            (needing_feature_id, dep["needing_feature__type"]),
            (providing_feature_id, dep["providing_feature__type"]),
        )
        if feature_id is not None
    )
    return Line(
        dependency_id=dep["pk"],
        description=dep["description"],
        state=dep["state"],
        health=Health.of(dep["state"], planned_start, need).value,
        source=source,
        target=target,
        needing_team_id=needing_team_id,
        needing_team_name=team_by_id[needing_team_id].name,
        providing_team_id=providing_team_id,
        provider_name=provider_name,
        needing_feature_key=dep["needing_feature__key"] if needing_feature_id else "",
        providing_feature_key=dep["providing_feature__key"] if providing_feature_id else "",
        needed_by_id=needed_by.pk,
        needed_by_name=needed_by.name,
        planned_iteration_id=planned_id,
        planned_iteration_name=planned_name,
        feature_types=feature_types,
    )
