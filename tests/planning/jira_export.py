"""A Jira CSV export, written as Jira's issue search writes it ("Export → CSV (all fields)").

Jira repeats a header for every value of a multi-value field: two ``Sprint`` columns, three
``Labels`` columns, two ``Outward issue link (Blocks)`` columns. Columns the import ignores
(Priority, Project key, Created…) are there too, as in a real export.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

HEADER = [
    "Summary",
    "Issue key",
    "Issue id",
    "Issue Type",
    "Status",
    "Project key",
    "Priority",
    "Assignee",
    "Created",
    "Parent",
    "Parent summary",
    "Sprint",
    "Sprint",
    "Fix Version/s",
    "Labels",
    "Labels",
    "Labels",
    "Team",
    "Custom field (Story Points)",
    "Custom field (Epic Link)",
    "Description",
    "Outward issue link (Blocks)",
    "Outward issue link (Blocks)",
    "Inward issue link (Blocks)",
    "Outward issue link (Relates)",
]


@dataclass
class JiraIssue:
    key: str
    summary: str
    type: str = "Story"
    status: str = "To Do"
    parent_id: str = ""
    epic: str = ""
    sprints: list[str] = field(default_factory=list)
    fix_version: str = ""
    labels: list[str] = field(default_factory=list)
    team: str = ""
    points: str = ""
    description: str = ""
    blocks: list[str] = field(default_factory=list)
    blocked_by: list[str] = field(default_factory=list)
    relates: str = ""

    @property
    def issue_id(self) -> str:
        """Jira's numeric id: 10000 + the key's number (none for a key that has no number)."""
        number = self.key.rsplit("-", 1)[-1]
        return str(10000 + int(number)) if number.isascii() and number.isdigit() and len(number) < 10 else ""

    def cells(self) -> list[str]:
        sprints = [*self.sprints, "", ""][:2]
        labels = [*self.labels, "", "", ""][:3]
        blocks = [*self.blocks, "", ""][:2]
        return [
            self.summary,
            self.key,
            self.issue_id,
            self.type,
            self.status,
            self.key.split("-")[0],
            "Medium",
            "riley@payments.example",
            "01/Oct/26 9:30 AM",
            self.parent_id,
            "",
            *sprints,
            self.fix_version,
            *labels,
            self.team,
            self.points,
            self.epic,
            self.description,
            *blocks,
            (self.blocked_by or [""])[0],
            self.relates,
        ]


def export(issues: list[JiraIssue]) -> str:
    """The CSV text of ``issues`` with Jira's header (CRLF line ends, as Jira writes)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for issue in issues:
        writer.writerow(issue.cells())
    return out.getvalue()


SPRINT_1 = "PI 2026.4 Iteration 1"
SPRINT_2 = "PI 2026.4 Iteration 2"
SPRINT_3 = "PI 2026.4 Iteration 3"


def standard_issues() -> list[JiraIssue]:
    """Two epics (one an enabler), stories of two teams, a sub-task, a "blocks" and a "relates" link.

    PAY-11 (Otters) blocks PAY-10 (Falcons): Falcons need it by Iteration 2 (PAY-10's last sprint),
    Otters plan it in Iteration 1. PAY-13 blocks PAY-10 too, but within Falcons: no dependency.
    """
    return [
        JiraIssue(
            "PAY-1",
            "Instant payouts",
            type="Epic",
            status="In Progress",
            fix_version="PI 2026.4",
            labels=["payments", "q4"],
            description="Pay sellers at once.",
        ),
        JiraIssue("PAY-2", "Ledger replica", type="Enabler", status="Backlog", fix_version="PI 2026.4"),
        JiraIssue(
            "PAY-10",
            "Payout API",
            parent_id="10001",
            sprints=[SPRINT_1, SPRINT_2],
            fix_version="PI 2026.4",
            labels=["api"],
            team="Falcons",
            points="5.0",
            blocked_by=["PAY-11"],
        ),
        JiraIssue(
            "PAY-11",
            "Replica reader",
            status="In Progress",
            epic="PAY-2",
            sprints=[SPRINT_1],
            fix_version="PI 2026.4",
            team="Otters",
            points="3",
            blocks=["PAY-10"],
        ),
        JiraIssue("PAY-12", "Write the runbook", type="Sub-task", team="Falcons", points="1"),
        JiraIssue(
            "PAY-13",
            "Payout screen",
            status="Done",
            parent_id="10001",
            fix_version="PI 2026.4",
            team="Falcons",
            points="8",
            blocks=["PAY-10"],
            relates="PAY-11",
        ),
    ]
