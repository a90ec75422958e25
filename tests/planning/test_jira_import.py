"""The Jira import's services: a real-shaped export, its mapping, re-imports, updates, refusals, size."""

import time
from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from planning import jira_import, services
from planning.models import Feature, FeatureStateChange, JiraMapping, JiraUpload, Story
from risks.models import Dependency, DependencyChange
from tests.helpers import count_queries
from tests.planning.jira_export import SPRINT_1, SPRINT_2, JiraIssue, export, standard_issues

pytestmark = pytest.mark.django_db

IMPORT_DAY = "2026-10-01 09:00:00+00:00"


def upload_and_import(art, by, text, mapping=None):
    upload = services.upload_jira_export(art, by=by, raw=text.encode(), filename="jira.csv")
    if mapping is None:
        mapping = services.preview_jira_export(upload, by=by).mapping
    return services.import_jira_export(upload, by=by, mapping=mapping)


def snapshot(art):
    """Every imported row's (key, version, updated_at): what a re-import must leave alone."""
    return (
        sorted(Feature.objects.filter(art=art).values_list("jira_key", "version", "updated_at")),
        sorted(Story.objects.filter(jira_art=art).values_list("jira_key", "version", "updated_at")),
        sorted(Dependency.objects.filter(art=art).values_list("id", "version", "updated_at")),
        FeatureStateChange.objects.count(),
        DependencyChange.objects.count(),
    )


@pytest.fixture
def teams(team, other_team):
    return {"Falcons": team, "Otters": other_team}


def test_the_export_is_read_with_its_repeated_columns(art, pi, rte, teams):
    result = jira_import.preview(export(standard_issues()), art=art)
    assert result.errors == [] and result.messages == [] and result.is_valid
    header = result.file.header
    assert len(header.positions["sprint"]) == 2 and len(header.positions["labels"]) == 3
    assert len(header.outward) == 2 and len(header.inward) == 1
    # The guesses: Team and the custom Story Points field; Epic and Enabler are features, Sub-task is skipped.
    assert result.mapping.team_column == "Team"
    assert result.mapping.points_column == "Custom field (Story Points)"
    rows = {row.issue.key: row for row in result.rows}
    assert [rows[key].kind for key in ("PAY-1", "PAY-2", "PAY-10", "PAY-12")] == [
        "feature",
        "enabler",
        "story",
        "skip",
    ]
    assert rows["PAY-10"].issue.sprints == [SPRINT_1, SPRINT_2]
    assert rows["PAY-10"].iteration.name == "Iteration 2" and rows["PAY-10"].points == 5
    assert rows["PAY-10"].parent == "PAY-1" and rows["PAY-11"].parent == "PAY-2"
    assert result.counts() == {
        "features_new": 2,
        "features_changed": 0,
        "features_unchanged": 0,
        "stories_new": 3,
        "stories_changed": 0,
        "stories_unchanged": 0,
        "skipped": 1,
        "dependencies": 1,
        "links_ignored": 1,
    }


@time_machine.travel(IMPORT_DAY, tick=False)
def test_the_first_import_creates_features_stories_and_dependencies(art, pi, development, rte, teams):
    outcome = upload_and_import(art, rte, export(standard_issues()))

    assert outcome.counts["features_new"] == 2 and outcome.counts["stories_new"] == 3
    payouts = Feature.objects.get(art=art, jira_key="PAY-1")
    replica = Feature.objects.get(art=art, jira_key="PAY-2")
    assert (payouts.type, payouts.state, payouts.pi, payouts.description) == (
        "business",
        "implementing",
        pi,
        "Pay sellers at once.",
    )
    assert (replica.type, replica.state) == ("enabler", "backlog")
    assert payouts.key.startswith("PAY-") and payouts.version == 1
    stories = {story.jira_key: story for story in Story.objects.filter(jira_art=art)}
    assert set(stories) == {"PAY-10", "PAY-11", "PAY-13"}
    api = stories["PAY-10"]
    assert (api.team, api.feature, api.iteration, api.points, api.state) == (
        teams["Falcons"],
        payouts,
        development[1],
        5,
        "todo",
    )
    assert (stories["PAY-11"].team, stories["PAY-11"].feature, stories["PAY-11"].state) == (
        teams["Otters"],
        replica,
        "in_progress",
    )
    assert stories["PAY-13"].iteration is None and stories["PAY-13"].state == "done"
    # PAY-11 (Otters) blocks PAY-10 (Falcons): Falcons need it by Iteration 2, Otters plan it in Iteration 1.
    dependency = Dependency.objects.get(art=art)
    assert (dependency.needing_team, dependency.providing_team) == (teams["Falcons"], teams["Otters"])
    assert (dependency.needed_by, dependency.planned_iteration) == (development[1], development[0])
    assert (dependency.needing_feature, dependency.providing_feature) == (payouts, replica)
    assert dependency.owner == rte and dependency.state == "requested" and dependency.pi == pi
    assert dependency.changes.get().kind == "raised"
    assert set(FeatureStateChange.objects.values_list("feature__jira_key", "from_state", "to_state")) == {
        ("PAY-1", "", "implementing"),
        ("PAY-2", "", "backlog"),
    }
    # The train remembers the mapping, and the upload is gone.
    stored = JiraMapping.objects.get(art=art).mapping
    assert stored["team_column"] == "Team" and stored["points_column"] == "Custom field (Story Points)"
    assert not JiraUpload.objects.exists()


def test_importing_the_same_export_again_changes_nothing(art, pi, development, rte, teams):
    text = export(standard_issues())
    with time_machine.travel(IMPORT_DAY, tick=False):
        upload_and_import(art, rte, text)
    before = snapshot(art)
    with time_machine.travel("2026-10-08 09:00:00+00:00", tick=False):
        outcome = upload_and_import(art, rte, text)
    assert snapshot(art) == before
    assert outcome.counts["features_unchanged"] == 2 and outcome.counts["stories_unchanged"] == 3
    assert outcome.counts["features_new"] == outcome.counts["features_changed"] == 0
    assert outcome.counts["stories_new"] == outcome.counts["stories_changed"] == 0


def test_a_newer_export_updates_what_changed_and_only_that(art, pi, development, rte, teams):
    with time_machine.travel(IMPORT_DAY, tick=False):
        upload_and_import(art, rte, export(standard_issues()))
    untouched = Feature.objects.get(jira_key="PAY-2")
    untouched_story = Story.objects.get(jira_key="PAY-13")
    issues = standard_issues()
    issues[0].summary = "Instant payouts for sellers"
    issues[0].status = "Done"
    issues[2].points = "8"
    issues[2].team = "Otters"  # PAY-10 moves to the Otters: its link with PAY-11 is now within one team.
    issues.append(JiraIssue("PAY-14", "Payout limits", parent_id="10001", fix_version="PI 2026.4", team="Falcons"))

    with time_machine.travel("2026-10-08 09:00:00+00:00", tick=False):
        preview = jira_import.preview(export(issues), art=art)
        assert preview.counts()["features_changed"] == 1 and preview.counts()["stories_changed"] == 1
        outcome = upload_and_import(art, rte, export(issues))

    assert outcome.counts["features_changed"] == 1 and outcome.counts["stories_new"] == 1
    payouts = Feature.objects.get(jira_key="PAY-1")
    assert (payouts.title, payouts.state, payouts.version) == ("Instant payouts for sellers", "done", 2)
    assert payouts.state_changes.last().from_state == "implementing"
    story = Story.objects.get(jira_key="PAY-10")
    assert (story.points, story.team, story.version) == (8, teams["Otters"], 2)
    assert Story.objects.get(jira_key="PAY-14").feature == payouts
    # What did not change in Jira did not change here.
    assert Feature.objects.get(jira_key="PAY-2").updated_at == untouched.updated_at
    assert Story.objects.get(jira_key="PAY-13").updated_at == untouched_story.updated_at
    assert Feature.objects.count() == 2
    # The dependency raised the first time stays as it is (it has its own life now); the new one is raised.
    assert sorted(Dependency.objects.values_list("description", "needing_team__name", "providing_team__name")) == [
        ("PAY-11 blocks PAY-10 (imported from Jira)", "Falcons", "Otters"),
        ("PAY-13 blocks PAY-10 (imported from Jira)", "Otters", "Falcons"),
    ]


def test_a_mapping_turns_jira_teams_and_types_into_the_trains(art, pi, rte, teams):
    issues = standard_issues()
    for issue in issues:
        if issue.team == "Falcons":
            issue.team = "Falcon Squad"
    issues[1].type = "Capability"
    preview = jira_import.preview(export(issues), art=art)
    assert any("Falcon Squad" in message for message in preview.messages)

    mapping = jira_import.clean_mapping(
        {"teams": {"Falcon Squad": teams["Falcons"].pk}, "types": {"Capability": "enabler"}, "pi": pi.pk},
        art=art,
    )
    upload_and_import(art, rte, export(issues), mapping)
    assert Story.objects.get(jira_key="PAY-10").team == teams["Falcons"]
    assert Feature.objects.get(jira_key="PAY-2").type == "enabler"
    # Remembered: the next preview of the train starts from it.
    assert jira_import.remembered_mapping(art).teams == {"falcon squad": teams["Falcons"].pk}


def test_row_errors_refuse_the_whole_file_and_save_nothing(art, pi, rte, teams):
    issues = standard_issues()
    issues[2].team = "Pelicans"
    issues[3].points = "3.5"
    issues[5].points = "many"
    issues[5].blocks = ["PAY-99"]
    upload = services.upload_jira_export(art, by=rte, raw=export(issues).encode())
    preview = services.preview_jira_export(upload, by=rte)
    assert not preview.is_valid
    messages = "\n".join(preview.messages)
    assert "Line 4: Team “Pelicans” is not a team of this train (its teams: Falcons, Otters)" in messages
    assert "Line 5: Points “3.5”: a story has a whole number of points from 0 to 100." in messages
    assert "Line 7: Points “many”" in messages
    assert "Line 7: The link “blocks” names PAY-99, an issue neither in the file nor imported." in messages

    with pytest.raises(jira_import.ImportRefused):
        services.import_jira_export(upload, by=rte, mapping=preview.mapping)
    assert not Feature.objects.exists() and not Story.objects.exists() and not Dependency.objects.exists()
    assert not JiraMapping.objects.filter(mapping__has_key="types").exists()


def test_a_link_that_cannot_become_a_dependency_refuses_the_file(art, pi, rte, teams):
    issues = standard_issues()
    for issue in issues:
        issue.fix_version = ""
    mapping = jira_import.clean_mapping({"pi": pi.pk}, art=art)
    # The stories get the chosen PI, so PAY-11 blocks PAY-10 in it: fine. Without a PI for the
    # stories, each story is refused instead.
    assert jira_import.preview(export(issues), art=art, mapping=mapping).is_valid
    refused = jira_import.preview(export(issues), art=art, mapping=jira_import.Mapping())
    assert "A story needs a PI" in "\n".join(refused.messages)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is not a CSV file (it contains binary data)."),
        (b"title,type\nA,business\n", "This is not a Jira export"),
        (b"Summary,Issue key,Issue Type,Status\n", "The file has a header but no issues."),
    ],
)
def test_a_file_that_is_not_a_jira_export_is_refused_at_upload(art, rte, raw, message):
    with pytest.raises(ValidationError) as refusal:
        services.upload_jira_export(art, by=rte, raw=raw)
    assert message in refusal.value.message_dict["file"][0]
    assert not JiraUpload.objects.exists()


@pytest.mark.parametrize("persona", ["system_architect", "business_owner", "scrum_master", "team_member"])
def test_only_the_rte_and_product_management_import(art, pi, teams, persona, request, rte):
    upload = services.upload_jira_export(art, by=rte, raw=export(standard_issues()).encode())
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        services.upload_jira_export(art, by=user, raw=export(standard_issues()).encode())
    with pytest.raises(PermissionDenied):
        services.import_jira_export(upload, by=user, mapping=jira_import.Mapping())
    assert not Feature.objects.exists()


def big_export(features: int, stories_per_feature: int) -> str:
    """``features`` epics, each with its stories alternating between the two teams, every story of
    the second team blocking the story before it (a dependency each)."""
    issues = []
    number = 1
    for f in range(features):
        epic_key = f"PAY-{number}"
        issues.append(JiraIssue(epic_key, f"Epic {f}", type="Epic", fix_version="PI 2026.4"))
        number += 1
        for s in range(stories_per_feature):
            team = "Falcons" if s % 2 == 0 else "Otters"
            blocks = [f"PAY-{number - 1}"] if s % 2 == 1 else []
            issues.append(
                JiraIssue(
                    f"PAY-{number}",
                    f"Story {f}.{s}",
                    epic=epic_key,
                    sprints=[SPRINT_1, SPRINT_2][: 1 + s % 2],
                    fix_version="PI 2026.4",
                    labels=["a", "b"],
                    team=team,
                    points=str(s % 8),
                    blocks=blocks,
                )
            )
            number += 1
    return export(issues)


def test_the_import_is_set_based_and_a_10000_row_file_takes_seconds(art, pi, rte, teams):
    """The same number of queries for 100 rows and for 10,000, and a 10,000-row file in seconds."""
    small, large = big_export(4, 24), big_export(100, 99)
    assert small.count("\n") - 1 == 100 and large.count("\n") - 1 == 10_000

    def run(text):
        upload = services.upload_jira_export(art, by=rte, raw=text.encode())
        mapping = services.preview_jira_export(upload, by=rte).mapping
        return count_queries(services.import_jira_export, upload, by=rte, mapping=mapping)

    small_queries, outcome = run(small)
    assert outcome.counts["stories_new"] == 96 and outcome.dependencies == 48
    Dependency.objects.all().delete()
    Story.objects.all().delete()
    Feature.objects.all().delete()

    started = time.monotonic()
    large_queries, outcome = run(large)
    elapsed = time.monotonic() - started
    assert outcome.counts["features_new"] == 100 and outcome.counts["stories_new"] == 9_900
    assert Story.objects.filter(jira_art=art).count() == 9_900
    assert Dependency.objects.filter(art=art).count() == 100 * 49
    assert large_queries == small_queries == 20
    assert elapsed < 30, f"10,000 rows took {elapsed:.1f} s"

    # And the same file again writes nothing: fewer queries still, whatever its size.
    again_queries, outcome = run(large)
    assert outcome.counts["stories_unchanged"] == 9_900
    assert again_queries < large_queries


def test_the_preview_of_an_export_reads_in_constant_queries(art, pi, rte, teams):
    small, large = big_export(2, 9), big_export(20, 99)
    small_queries, _ = count_queries(jira_import.preview, small, art=art)
    large_queries, _ = count_queries(jira_import.preview, large, art=art)
    assert small_queries == large_queries
    assert date(2026, 10, 5) == pi.start_date
