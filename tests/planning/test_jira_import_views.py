"""The Jira import's pages and API: who may use them, the upload → preview → confirm journey, refusals."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from planning import services
from planning.models import Feature, JiraMapping, JiraUpload, Story
from risks.models import Dependency
from tests.api_helpers import api_status, api_url, client_for
from tests.api_helpers import expected as api_expected
from tests.conftest import PERSONAS
from tests.helpers import count_queries, expected, login
from tests.planning.jira_export import export, standard_issues
from tests.planning.test_jira_import import big_export

IMPORTERS = {"rte", "product_manager"}


def page(name: str, art, **kwargs) -> str:
    return reverse(name, kwargs={"art_slug": art.slug, **kwargs})


def csv_file(content: str | bytes, name: str = "jira.csv") -> SimpleUploadedFile:
    raw = content.encode() if isinstance(content, str) else content
    return SimpleUploadedFile(name, raw, content_type="text/csv")


@pytest.fixture
def teams(team, other_team):
    return {"Falcons": team, "Otters": other_team}


@pytest.fixture
def upload(art, rte, pi, teams):
    return services.upload_jira_export(art, by=rte, raw=export(standard_issues()).encode(), filename="jira.csv")


# --- who may use it ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_upload_page_permission_matrix(client, art, everyone, persona, request):
    name = request.node.callspec.params["persona"]
    response = login(client, persona).get(page("jira_import", art))
    assert response.status_code == expected(name, name in IMPORTERS)
    posted = login(client, persona).post(page("jira_import", art), {"file": csv_file(export(standard_issues()))})
    assert posted.status_code == expected(name, name in IMPORTERS, 302)
    assert JiraUpload.objects.exists() == (name in IMPORTERS)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_preview_page_permission_matrix(client, art, everyone, upload, persona, request):
    name = request.node.callspec.params["persona"]
    url = page("jira_import_preview", art, upload_id=upload.pk)
    assert login(client, persona).get(url).status_code == expected(name, name in IMPORTERS)
    confirmed = login(client, persona).post(url, {"confirm": "1", "team_column": "Team"})
    assert confirmed.status_code == expected(name, name in IMPORTERS, 302)
    assert Feature.objects.exists() == (name in IMPORTERS)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_api_upload_permission_matrix(art, everyone, pi, persona, request):
    name = request.node.callspec.params["persona"]
    response = client_for(persona).post(
        api_url("jira-import"), {"art": art.slug, "file": csv_file(export(standard_issues()))}, format="multipart"
    )
    # An outsider names a train that is not theirs: unknown, as any train they cannot see.
    assert api_status(response) == api_expected(name, name in IMPORTERS, 201, outsider=400)
    assert JiraUpload.objects.exists() == (name in IMPORTERS)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_api_preview_and_confirm_permission_matrix(art, everyone, upload, persona, request):
    name = request.node.callspec.params["persona"]
    client = client_for(persona)
    assert api_status(client.get(api_url("jira-import", upload))) == api_expected(name, name in IMPORTERS)
    previewed = client.post(api_url("jira-import", upload, "preview"), {}, format="json")
    assert api_status(previewed) == api_expected(name, name in IMPORTERS)
    confirmed = client.post(api_url("jira-import", upload, "confirm"), {}, format="json")
    assert api_status(confirmed) == api_expected(name, name in IMPORTERS)
    assert Feature.objects.exists() == (name in IMPORTERS)


# --- the page journey ------------------------------------------------------------------------------


def test_upload_preview_confirm_on_the_pages(client, art, pi, rte, teams):
    client.force_login(rte)
    response = client.post(page("jira_import", art), {"file": csv_file(export(standard_issues()))})
    upload = JiraUpload.objects.get()
    assert response.status_code == 302 and response["Location"] == page("jira_import_preview", art, upload_id=upload.pk)

    preview = client.get(response["Location"])
    html = preview.content.decode()
    assert preview.status_code == 200
    assert 'id="confirm-import"' in html and "PAY-10" in html and "Payout API" in html
    assert "Custom field (Story Points)" in html and "Falcons" in html
    assert not Feature.objects.exists()

    # Change the mapping: the sub-task becomes a story; the preview shows it, nothing is saved yet.
    form = preview.context["form"]
    data = {name: field.value() for name, field in ((f.name, f) for f in form) if field.value() is not None}
    sub_task = dict(form.types)["Sub-task"]
    data[sub_task] = "story"
    data["pi"] = str(pi.pk)
    again = client.post(response["Location"], data)
    assert again.status_code == 200 and again.context["counts"]["stories_new"] == 4
    assert not Story.objects.exists()

    confirmed = client.post(response["Location"], {**data, "confirm": "1"})
    assert confirmed.status_code == 302 and confirmed["Location"] == page("backlog", art)
    assert set(Story.objects.values_list("jira_key", flat=True)) == {"PAY-10", "PAY-11", "PAY-12", "PAY-13"}
    assert Feature.objects.filter(jira_key__in=["PAY-1", "PAY-2"]).count() == 2
    assert Dependency.objects.count() == 1
    assert JiraMapping.objects.get(art=art).mapping["types"]["sub-task"] == "story"
    backlog = client.get(confirmed["Location"]).content.decode()
    assert "Instant payouts" in backlog and "Imported from Jira: 2 new" in backlog


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The submitted file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00", "This is not a CSV file (it contains binary data)."),
        (b"\xff\xfe\x00S\x00u", "UTF-16"),
        (b"Summary,Status\nA,Done\n", "This is not a Jira export"),
    ],
)
def test_a_binary_empty_or_foreign_file_is_refused_with_a_message(client, art, rte, content, message):
    client.force_login(rte)
    response = client.post(page("jira_import", art), {"file": csv_file(content)})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not JiraUpload.objects.exists()


def test_row_errors_are_shown_and_nothing_is_saved(client, art, pi, rte, teams):
    issues = standard_issues()
    issues[2].team = "Pelicans"
    issues[3].points = "lots"
    issues[5].blocks = ["PAY-404"]
    kept = services.upload_jira_export(art, by=rte, raw=export(issues).encode())
    client.force_login(rte)
    url = page("jira_import_preview", art, upload_id=kept.pk)
    preview = client.get(url)
    html = preview.content.decode()
    assert preview.status_code == 422 and 'id="confirm-import"' not in html
    assert "Line 4: Team “Pelicans” is not a team of this train" in html
    assert "Line 5: Points “lots”" in html and "PAY-404" in html
    refused = client.post(url, {"confirm": "1", "team_column": "Team"})
    assert refused.status_code == 422
    assert not Feature.objects.exists() and not Story.objects.exists() and not Dependency.objects.exists()
    assert JiraUpload.objects.filter(pk=kept.pk).exists()


def test_an_unknown_upload_or_another_trains_is_not_found(client, art, rte, other_art, outsider, pi):
    theirs = services.upload_jira_export(other_art, by=outsider, raw=export(standard_issues()).encode())
    client.force_login(rte)
    assert client.get(page("jira_import_preview", art, upload_id=theirs.pk)).status_code == 404
    assert client.get(page("jira_import_preview", art, upload_id=999_999_999_999)).status_code == 404


def test_the_preview_page_reads_in_constant_queries(client, art, pi, rte, teams):
    client.force_login(rte)
    counts = []
    for text in (big_export(2, 9), big_export(20, 99)):
        kept = services.upload_jira_export(art, by=rte, raw=text.encode())
        queries, response = count_queries(client.get, page("jira_import_preview", art, upload_id=kept.pk))
        assert response.status_code == 200
        counts.append(queries)
    assert counts[0] == counts[1]


# --- the API journey -----------------------------------------------------------------------------------


def test_upload_preview_confirm_through_the_api(art, pi, rte, teams):
    client = client_for(rte)
    created = client.post(
        api_url("jira-import"), {"art": art.slug, "file": csv_file(export(standard_issues()))}, format="multipart"
    )
    assert created.status_code == 201, created.content
    upload = JiraUpload.objects.get(pk=created.json()["id"])

    mapping = {"types": {"Sub-task": "story"}, "pi": pi.pk, "teams": {"Falcons": teams["Falcons"].pk}}
    previewed = client.post(api_url("jira-import", upload, "preview"), {"mapping": mapping}, format="json")
    assert previewed.status_code == 200, previewed.content
    body = previewed.json()
    assert body["valid"] is True and body["counts"]["stories_new"] == 4 and body["counts"]["dependencies"] == 1
    assert body["mapping"]["team_column"] == "Team"
    assert {row["key"]: row["kind"] for row in body["rows"]}["PAY-12"] == "story"
    assert not Feature.objects.exists()

    confirmed = client.post(api_url("jira-import", upload, "confirm"), {"mapping": mapping}, format="json")
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["counts"]["features_new"] == 2 and confirmed.json()["dependencies"] == 1
    assert Story.objects.filter(jira_art=art).count() == 4


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"types": {"Epic": "saga"}}, "saga"),
        ({"teams": {"Falcons": 987654}}, "is not a team of this train"),
        ({"pi": 987654}, "is not a PI of this train"),
        ({"team_column": "Squad"}, "the file has no column"),
        ({"teams": {"Falcons": "x"}}, ""),
        ("not an object", ""),
    ],
)
def test_a_bad_mapping_is_a_400_and_saves_nothing(art, pi, rte, upload, mapping, message):
    client = client_for(rte)
    for action in ("preview", "confirm"):
        response = client.post(api_url("jira-import", upload, action), {"mapping": mapping}, format="json")
        assert response.status_code == 400, response.content
        assert message in response.content.decode()
    assert not Feature.objects.exists() and JiraUpload.objects.filter(pk=upload.pk).exists()


def test_a_refused_import_answers_400_with_the_row_errors(art, pi, rte, teams):
    issues = standard_issues()
    issues[2].points = "-3"
    kept = services.upload_jira_export(art, by=rte, raw=export(issues).encode())
    response = client_for(rte).post(api_url("jira-import", kept, "confirm"), {}, format="json")
    assert response.status_code == 400
    assert response.json()["valid"] is False and response.json()["non_field_errors"]
    assert any("Line 4: Points “-3”" in message for message in response.json()["messages"])
    assert not Feature.objects.exists()


def test_a_binary_file_is_a_400_through_the_api(art, rte):
    response = client_for(rte).post(
        api_url("jira-import"), {"art": art.slug, "file": csv_file(b"PK\x03\x04\x00\x00binary")}, format="multipart"
    )
    assert response.status_code == 400
    assert "binary data" in response.content.decode()
    assert not JiraUpload.objects.exists()


HOSTILE_CELLS = {"²": "²", "①": "①", "5,000 digits": "9" * 5000, "-1": "-1", "NUL": "\x00", "100,000": "x" * 100_000}
HOSTILE_COLUMNS = {
    "summary": "Summary",
    "key": "Issue key",
    "type": "Issue Type",
    "status": "Status",
    "team": "Team",
    "points": "Custom field (Story Points)",
    "sprints": "Sprint",
    "fix_version": "Fix Version/s",
    "epic": "Custom field (Epic Link)",
    "description": "Description",
    "blocks": "Outward issue link (Blocks)",
}


def test_hostile_cells_in_any_column_get_a_4xx_or_an_import_never_a_500(client, art, pi, rte, teams):
    """Every hostile value in every read column: refused with a message (4xx) or imported within bounds."""
    client.force_login(rte)
    for attribute, column in HOSTILE_COLUMNS.items():
        for label, value in HOSTILE_CELLS.items():
            issues = standard_issues()
            story = issues[2]
            setattr(story, attribute, [value] if isinstance(getattr(story, attribute), list) else value)
            posted = client.post(page("jira_import", art), {"file": csv_file(export(issues))})
            assert posted.status_code in (302, 422), (column, label, posted.status_code)
            if posted.status_code == 422:
                continue
            url = posted["Location"]
            assert client.get(url).status_code in (200, 422), (column, label)
            confirmed = client.post(url, {"confirm": "1", "team_column": "Team", "pi": str(pi.pk)})
            assert confirmed.status_code in (302, 422), (column, label, confirmed.status_code)
            longest = max((len(text) for text in Story.objects.values_list("title", flat=True)), default=0) + max(
                (len(text) for text in Feature.objects.values_list("description", flat=True)), default=0
            )
            assert longest < 20_000, (column, label)
            Dependency.objects.all().delete()
            Story.objects.all().delete()
            Feature.objects.all().delete()
            JiraUpload.objects.all().delete()
    assert len(JiraMapping.objects.get(art=art).mapping["types"]) <= 5
