"""How the recorded changes of risks and dependencies read: one line per field, “label: before → after”.

Every change of a risk or a dependency is recorded with the values before and after
(``RiskChange.changes``, ``DependencyChange.changes``: ``{field: [before, after]}``); their
pages show each as lines a person reads, states by their label and nothing as "—".
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import TextChoices

from risks.models import Dependency, Risk

RISK_FIELDS = {
    "state": "State",
    "severity": "Severity",
    "title": "Title",
    "description": "Description",
    "team": "Team",
    "owner": "Owner",
    "probability": "Probability",
    "impact": "Impact",
    "due_date": "Due date",
    "rationale": "Rationale",
    "mitigation_plan": "Mitigation plan",
}
DEPENDENCY_FIELDS = {
    "state": "State",
    "description": "What is needed",
    "providing_team": "Providing team",
    "external_party": "External party",
    "needing_feature": "Needing feature",
    "providing_feature": "Providing feature",
    "needed_by": "Needed by",
    "planned_iteration": "Planned",
    "owner": "Owner",
    "next_action": "Next action",
    "reviewed_on": "Reviewed on",
}


@dataclass(frozen=True)
class ChangeLine:
    label: str
    before: str
    after: str


def change_lines(changes: dict, *, labels: dict[str, str], states: type[TextChoices]) -> list[ChangeLine]:
    """A recorded change (``{field: [before, after]}``) as lines that read “field: before → after”."""
    return [
        ChangeLine(
            labels.get(name, name.replace("_", " ").capitalize()),
            _shown(name, before, states),
            _shown(name, after, states),
        )
        for name, (before, after) in changes.items()
    ]


def risk_change_lines(changes: dict) -> list[ChangeLine]:
    return change_lines(changes, labels=RISK_FIELDS, states=Risk.State)


def dependency_change_lines(changes: dict) -> list[ChangeLine]:
    return change_lines(changes, labels=DEPENDENCY_FIELDS, states=Dependency.State)


def _shown(name: str, value, states: type[TextChoices]) -> str:
    if value in (None, ""):
        return "—"
    if name == "state" and value in states.values:
        return states(value).label
    return str(value)
