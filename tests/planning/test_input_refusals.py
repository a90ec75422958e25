"""Issue 10 in PI Planning: hostile ids, numbers and text get a clear 4xx (or the page's empty result),
never a 500, and nothing is stored.

Each place that answered 500 before (``tests/hardening/FOUND_BEFORE.md``) has a test here, by
route and parameter; so have the bounds of free text, enforced alike by model, form, API and the
CSV import. The values are those of the hardening test: Unicode digits, 5,000 digits, numbers
beyond a PostgreSQL bigint, NUL, 100,000 characters.
"""

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, resolve, reverse
from drf_spectacular.generators import SchemaGenerator

from artops.parsing import shown, unstorable_reason
from planning import services
from planning.forms.program_board import MilestoneForm
from planning.models import FEATURE_TEXT_MAX_LENGTH, BoardClock, Feature, Milestone, Story, Vote
from tests.api_helpers import api_url, client_for, messages
from tests.helpers import HTMX, login, url
from tests.planning.factories import FeatureFactory, PlacementFactory, StoryFactory

NOT_IDS = {"²": "²", "①": "①", "5,000 digits": "9" * 5000, "2**63": str(2**63), "-1": "-1"}
LONG = "x" * 100_000


@pytest.fixture
def card(art, pi, team, development):
    return PlacementFactory(
        feature=FeatureFactory(art=art, pi=pi, title="Instant payouts"), team=team, iteration=development[0]
    )


def placement_state(card) -> tuple:
    card.refresh_from_db()
    return (card.team_id, card.iteration_id, card.version, BoardClock.read(card.iteration.pi_id))


# --- the program board: ?since=, ?teams=, placement ------------------------------------------------


@pytest.mark.parametrize("value", NOT_IDS.values(), ids=NOT_IDS.keys())
def test_the_board_poll_refuses_a_since_that_is_no_clock_value(client, art, pi, rte, value):
    """program_board_changes ?since= (5,000 digits answered 500)."""
    response = login(client, rte).get(url("program_board_changes", art, pi_id=pi.pk), {"since": value}, headers=HTMX)
    assert response.status_code == 400 and b"?since=<number>" in response.content
    assert value.encode() not in response.content


@pytest.mark.parametrize("value", NOT_IDS.values(), ids=NOT_IDS.keys())
def test_the_board_api_refuses_a_since_that_is_no_clock_value(rte, pi, value):
    """api-board-detail ?since= (5,000 digits answered 500)."""
    response = client_for(rte).get(reverse("api-board-detail", kwargs={"pk": pi.pk}), {"since": value})
    assert response.status_code == 400 and "?since=" in messages(response)
    assert (
        client_for(rte).get(reverse("api-board-detail", kwargs={"pk": pi.pk}), {"since": 2**63 - 1}).status_code == 200
    )


@pytest.mark.parametrize("value", NOT_IDS.values(), ids=NOT_IDS.keys())
def test_the_board_refuses_teams_that_are_not_ids_and_narrows_nothing(client, art, pi, card, rte, value):
    """program_board ?teams= (5,000 digits answered 500): 422 with the reason, the whole board shown."""
    response = login(client, rte).get(url("program_board", art, pi_id=pi.pk), {"teams": value})
    assert response.status_code == 422
    assert "is not a team." in response.content.decode() and f'id="card-{card.pk}"' in response.content.decode()
    # The message quotes at most the beginning of the value.
    assert "9" * 100 not in response.content.decode()


@pytest.mark.parametrize("value", NOT_IDS.values(), ids=NOT_IDS.keys())
def test_the_board_api_refuses_teams_that_are_not_ids(rte, pi, value):
    """api-board-detail ?teams= (5,000 digits answered 500)."""
    response = client_for(rte).get(reverse("api-board-detail", kwargs={"pk": pi.pk}), {"teams": value})
    assert response.status_code == 400 and "is not a team" in messages(response)


@pytest.mark.parametrize("value", NOT_IDS.values(), ids=NOT_IDS.keys())
def test_writes_of_the_board_ignore_bad_team_filters_and_do_their_job(client, art, pi, card, development, rte, value):
    """program_board_move (GET and POST), milestone create and delete with ?teams= (5,000 digits answered 500)."""
    client = login(client, rte)
    query = {"teams": value, "placement": card.pk}
    menu = client.get(url("program_board_move", art, pi_id=pi.pk), query, headers=HTMX)
    assert menu.status_code == 200
    moved = client.post(
        url("program_board_move", art, pi_id=pi.pk) + "?teams=" + value,
        {"placement": card.pk, "version": 1, "iteration": development[1].pk},
        headers=HTMX,
    )
    assert moved.status_code == 200 and placement_state(card)[:3] == (card.team_id, development[1].pk, 2)
    added = client.post(
        url("program_board_milestone_create", art, pi_id=pi.pk) + "?teams=" + value,
        {"name": "Release", "date": development[0].start_date.isoformat()},
        headers=HTMX,
    )
    assert added.status_code == 200
    milestone = Milestone.objects.get()
    deleted = client.post(
        url("program_board_milestone_delete", art, pi_id=pi.pk, milestone_id=milestone.pk) + "?teams=" + value,
        {"version": 1},
        headers=HTMX,
    )
    assert deleted.status_code == 200 and not Milestone.objects.exists()


@pytest.mark.parametrize("value", NOT_IDS.values(), ids=NOT_IDS.keys())
def test_a_move_of_a_placement_that_is_no_id_is_404_and_changes_nothing(client, art, pi, card, development, rte, value):
    """program_board_move placement (query on GET, body on POST; 5,000 digits answered 500)."""
    client = login(client, rte)
    before = placement_state(card)
    menu = client.get(url("program_board_move", art, pi_id=pi.pk), {"placement": value}, headers=HTMX)
    assert menu.status_code == 404
    moved = client.post(
        url("program_board_move", art, pi_id=pi.pk),
        {"placement": value, "version": 1, "iteration": development[1].pk},
        headers=HTMX,
    )
    assert moved.status_code == 404
    assert placement_state(card) == before


@pytest.mark.parametrize("field", ["version", "iteration", "team"])
@pytest.mark.parametrize("value", ["²", "9" * 5000, "١"])
def test_a_move_with_numbers_that_are_not_numbers_is_422(client, art, pi, card, development, rte, field, value):
    """The move form reads its version and ids by artops.parsing: Unicode digits are not read as numbers."""
    data = {"placement": card.pk, "version": 1, "iteration": development[1].pk, field: value}
    before = placement_state(card)
    response = login(client, rte).post(url("program_board_move", art, pi_id=pi.pk), data, headers=HTMX)
    assert response.status_code == 422 and b'id="program-board"' in response.content
    assert placement_state(card) == before


# --- the backlog: ?pi= and the feature key in the URL ----------------------------------------------


@pytest.mark.parametrize("value", NOT_IDS.values(), ids=NOT_IDS.keys())
def test_the_backlog_page_shows_nothing_for_a_pi_that_is_no_id(client, art, pi, rte, value):
    """backlog ?pi= (², ① and 5,000 digits answered 500): "not an id: nothing matches"."""
    FeatureFactory(art=art, pi=pi, title="Instant payouts")
    response = login(client, rte).get(url("backlog", art), {"pi": value})
    assert response.status_code == 200 and b"Instant payouts" not in response.content
    assert b"Instant payouts" in client.get(url("backlog", art), {"pi": pi.pk}).content


@pytest.mark.parametrize("value", NOT_IDS.values(), ids=NOT_IDS.keys())
def test_the_backlog_export_refuses_a_pi_that_is_no_id(client, art, pi, rte, value):
    """backlog_csv ?pi= (², ① and 5,000 digits answered 500): 400 with the reason, not everything."""
    FeatureFactory(art=art, pi=pi, title="Instant payouts")
    response = login(client, rte).get(url("backlog_csv", art), {"pi": value})
    assert response.status_code == 400 and b"pi" in response.content and b"Instant payouts" not in response.content


@pytest.mark.parametrize("key", ["\x00", "PAY\x00-1"])
def test_a_feature_key_with_a_nul_or_a_surrogate_is_404(client, art, rte, product_manager, key):
    """feature_detail and feature_wsjf <str:key> (NUL answered 500): the URL matches nothing."""
    feature = FeatureFactory(art=art)
    assert login(client, rte).get(url("feature_detail", art, key=feature.key)).status_code == 200
    path = f"/arts/{art.slug}/planning/features/{key}/"
    assert client.get(path).status_code == 404
    client = login(client, product_manager)
    response = client.post(path + "wsjf/", {"field": "job_size", "value": "8", "version": "1"})
    assert response.status_code == 404
    feature.refresh_from_db()
    assert (feature.job_size, feature.version) == (1, 1)


def test_a_feature_key_with_a_lone_surrogate_matches_no_url(art):
    """A surrogate cannot even be sent by the test client: the URL converter refuses it."""
    with pytest.raises(Resolver404):
        resolve(f"/arts/{art.slug}/planning/features/PAY-1\ud800/")
    assert resolve(f"/arts/{art.slug}/planning/features/PAY-1/").url_name == "feature_detail"


# --- API lists: ids in filters --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        ("feature", "pi"),
        ("story", "iteration"),
        ("story", "feature"),
        ("story", "owner"),
        ("story", "team"),
        ("capacity", "pi"),
        ("placement", "feature"),
        ("objective", "team"),
        ("milestone", "pi"),
        ("vote-round", "team"),
        ("readiness", "pi"),
    ],
)
@pytest.mark.parametrize("value", NOT_IDS.values(), ids=NOT_IDS.keys())
def test_api_lists_refuse_filter_ids_that_are_not_ids(rte, art, pi, kind, name, value):
    """api-feature-list ?pi=, api-story-list ?iteration=/feature=/owner=, api-vote-round-list ?team= (all
    answered 500) and every other id filter of planning: 400 naming the filter."""
    response = client_for(rte).get(api_url(kind), {name: value})
    assert response.status_code == 400 and name in response.json()


@pytest.mark.parametrize("value", NOT_IDS.values(), ids=NOT_IDS.keys())
def test_a_story_move_with_an_iteration_filter_that_is_no_id_is_400(scrum_master, team, pi, development, value):
    """api-story-move ?iteration= (get_object() filters with it; ², ①, 5,000 digits answered 500)."""
    story = StoryFactory(team=team, pi=pi, iteration=development[0])
    path = api_url("story", story, "move") + "?" + f"iteration={value}"
    response = client_for(scrum_master).post(path, {"iteration": development[1].pk, "version": 1}, format="json")
    assert response.status_code == 400
    story.refresh_from_db()
    assert (story.iteration_id, story.version) == (development[0].pk, 1)


@pytest.mark.parametrize("value", NOT_IDS.values(), ids=NOT_IDS.keys())
def test_objective_totals_refuse_a_pi_that_is_no_id(rte, value):
    """api-objective-totals ?pi= (², ① and 5,000 digits answered 500)."""
    response = client_for(rte).get(reverse("api-objective-totals"), {"pi": value})
    assert response.status_code == 400 and "?pi=" in messages(response)


@pytest.mark.parametrize("value", ["²", "١٢", "9" * 5000, 2**63])
def test_api_numbers_in_bodies_are_read_as_ascii_digits_only(scrum_master, team, pi, development, value):
    """Points, velocity and business value: "١٢" was read as 12; now every such value is a 400."""
    story = StoryFactory(team=team, pi=pi, points=3)
    client = client_for(scrum_master)
    assert client.patch(api_url("story", story), {"points": value, "version": 1}, format="json").status_code == 400
    capacity = {"team": team.pk, "iteration": development[0].pk, "fte": 5, "velocity": value}
    assert client.post(api_url("capacity"), capacity, format="json").status_code == 400
    story.refresh_from_db()
    assert (story.points, story.version) == (3, 1)


# --- the CSV import: WSJF cells and free text -----------------------------------------------------

COLUMNS = "title,user_business_value,time_criticality,risk_reduction,job_size,description\n"


def csv_file(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("features.csv", text.encode("utf-8", "surrogatepass"), content_type="text/csv")


@pytest.mark.parametrize("column", ["user_business_value", "time_criticality", "risk_reduction", "job_size"])
@pytest.mark.parametrize("value", ["²", "①", "9" * 5000])
def test_an_imported_wsjf_cell_that_is_no_number_is_an_error_of_its_row(client, art, product_manager, column, value):
    """backlog_import, the four WSJF cells, on preview (upload) and confirm (² ① 5,000 digits answered 500)."""
    cells = {"user_business_value": "1", "time_criticality": "1", "risk_reduction": "1", "job_size": "1"}
    cells[column] = value
    text = COLUMNS + f"Payouts,{cells['user_business_value']},{cells['time_criticality']},"
    text += f"{cells['risk_reduction']},{cells['job_size']},\n"
    client = login(client, product_manager)
    preview = client.post(url("backlog_import", art), {"file": csv_file(text)})
    assert preview.status_code == 422 and "Line 2:" in preview.content.decode()
    assert "9" * 100 not in preview.content.decode()
    confirm = client.post(url("backlog_import", art), {"csv_text": text})
    assert confirm.status_code == 422
    assert not Feature.objects.exists()


@pytest.mark.parametrize("column", ["description", "benefit_hypothesis", "acceptance_criteria"])
def test_an_imported_cell_longer_than_the_model_allows_is_an_error_of_its_row(client, art, product_manager, column):
    """backlog_import: 100,000 characters in a free-text cell were stored (preview and confirm)."""
    text = f"title,{column}\nPayouts,{LONG}\nRefunds,fine\n"
    client = login(client, product_manager)
    preview = client.post(url("backlog_import", art), {"file": csv_file(text)})
    page = preview.content.decode()
    assert preview.status_code == 422
    assert f"has 100,000 characters; at most {FEATURE_TEXT_MAX_LENGTH:,} are allowed." in page
    assert "x" * 1000 not in page  # the refused cell is not echoed whole
    confirm = client.post(url("backlog_import", art), {"csv_text": text})
    assert confirm.status_code == 422
    assert not Feature.objects.exists()


def test_an_imported_cell_of_exactly_the_limit_is_saved(client, art, product_manager):
    text = f"title,description\nPayouts,{'x' * FEATURE_TEXT_MAX_LENGTH}\n"
    response = login(client, product_manager).post(url("backlog_import", art), {"csv_text": text})
    assert response.status_code == 302
    assert len(Feature.objects.get().description) == FEATURE_TEXT_MAX_LENGTH


# --- free text: one bound, on the model, enforced by form and API alike -------------------------

FEATURE_TEXTS = ["description", "benefit_hypothesis", "acceptance_criteria"]


@pytest.mark.parametrize("field", FEATURE_TEXTS)
def test_the_model_bounds_a_features_free_text(art, field):
    feature = FeatureFactory.build(art=art, key="PAY-1", **{field: "x" * (FEATURE_TEXT_MAX_LENGTH + 1)})
    with pytest.raises(ValidationError) as refused:
        feature.full_clean()
    assert str(FEATURE_TEXT_MAX_LENGTH) in " ".join(refused.value.message_dict[field])
    feature = FeatureFactory.build(art=art, key="PAY-1", **{field: "a\x00b"})
    with pytest.raises(ValidationError, match="NUL"):
        feature.full_clean()


@pytest.mark.parametrize("field", FEATURE_TEXTS)
def test_the_service_refuses_a_feature_text_over_the_bound(art, product_manager, field):
    with pytest.raises(ValidationError, match=str(FEATURE_TEXT_MAX_LENGTH)):
        services.create_feature(art, title="Payouts", by=product_manager, **{field: LONG})
    assert not Feature.objects.exists()


@pytest.mark.parametrize("field", FEATURE_TEXTS)
def test_the_feature_form_refuses_a_text_over_the_bound(client, art, product_manager, field):
    feature = FeatureFactory(art=art, title="Payouts")
    data = {
        "title": "Payouts",
        "type": "business",
        "pi": "",
        "user_business_value": "1",
        "time_criticality": "1",
        "risk_reduction": "1",
        "job_size": "1",
        "version": "1",
        field: LONG,
    }
    response = login(client, product_manager).post(url("feature_detail", art, key=feature.key), data)
    assert response.status_code == 422
    assert f"at most {FEATURE_TEXT_MAX_LENGTH} characters" in response.content.decode()
    feature.refresh_from_db()
    assert (getattr(feature, field), feature.version) == ("", 1)


@pytest.mark.parametrize("field", FEATURE_TEXTS)
def test_the_feature_api_refuses_a_text_over_the_bound(art, product_manager, field):
    client = client_for(product_manager)
    created = client.post(api_url("feature"), {"art": art.slug, "title": "Payouts", field: LONG}, format="json")
    assert created.status_code == 400 and str(FEATURE_TEXT_MAX_LENGTH) in " ".join(created.json()[field])
    feature = FeatureFactory(art=art)
    patched = client.patch(api_url("feature", feature), {field: LONG, "version": 1}, format="json")
    assert patched.status_code == 400 and str(FEATURE_TEXT_MAX_LENGTH) in " ".join(patched.json()[field])
    assert Feature.objects.count() == 1 and getattr(Feature.objects.get(), field) == ""


@pytest.mark.parametrize("text", ["a\x00b", "a\ud800b"])
def test_text_that_postgresql_cannot_store_is_refused_everywhere(client, art, team, pi, product_manager, text):
    # Written as JSON by hand: the escape "\ud800" is how a client sends a lone surrogate.
    body = json.dumps({"art": art.slug, "title": text}, ensure_ascii=True)
    created = client_for(product_manager).post(api_url("feature"), body, content_type="application/json")
    assert created.status_code == 400 and "title" in created.json()
    with pytest.raises(ValidationError):
        services.create_feature(art, title=text, by=product_manager)
    form = MilestoneForm({"name": text, "date": pi.start_date.isoformat()})
    assert not form.is_valid() and form.errors["name"] == [unstorable_reason(text)]
    # Shown back escaped, never raw.
    assert form["name"].value() == shown(text)
    if "\x00" in text:  # the test client cannot send a lone surrogate in a form
        response = login(client, product_manager).post(
            url("program_board_milestone_create", art, pi_id=pi.pk),
            {"name": text, "date": pi.start_date.isoformat()},
            headers=HTMX,
        )
        page = response.content.decode()
        assert response.status_code == 422 and page.count("Text cannot contain") == 1 and "\x00" not in page
    assert not Feature.objects.exists() and not Milestone.objects.exists()


def test_a_concern_is_bounded_by_the_model_too(art, team_member, pi, rte):
    """Vote.concern was a TextField whose max_length only sized its widget: the shell could store more."""
    vote_round = services.open_vote(pi, by=rte)
    with pytest.raises(ValidationError, match="1000"):
        services.cast_vote(vote_round, by=team_member, value=1, concern="x" * 1001)
    assert not Vote.objects.exists()


def test_story_and_milestone_bounds_are_the_models(scrum_master, team, pi, rte):
    client = client_for(scrum_master)
    limit = Story._meta.get_field("title").max_length
    response = client.post(api_url("story"), {"team": team.pk, "pi": pi.pk, "title": "x" * (limit + 1)}, format="json")
    assert response.status_code == 400 and str(limit) in " ".join(response.json()["title"])
    limit = Milestone._meta.get_field("description").max_length
    response = client_for(rte).post(
        api_url("milestone"),
        {"pi": pi.pk, "name": "Release", "date": pi.start_date.isoformat(), "description": "x" * (limit + 1)},
        format="json",
    )
    assert response.status_code == 400 and str(limit) in " ".join(response.json()["description"])
    assert not Story.objects.exists() and not Milestone.objects.exists()


# --- the schema tells the truth ----------------------------------------------------------------------


def test_wsjf_is_a_number_in_the_schema_and_in_the_answer(rte, art):
    FeatureFactory(art=art, user_business_value=8, time_criticality=5, risk_reduction=3, job_size=2)
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert schema["components"]["schemas"]["Feature"]["properties"]["wsjf"]["type"] == "number"
    answer = client_for(rte).get(api_url("feature")).json()["results"][0]["wsjf"]
    assert isinstance(answer, float) and answer == 8.0


def test_board_and_filter_parameters_say_their_range_in_the_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    board = {p["name"]: p["schema"] for p in schema["paths"]["/api/boards/{id}/"]["get"]["parameters"]}
    assert board["since"]["minimum"] == 0 and board["since"]["maximum"] == 2**63 - 1
    assert board["teams"]["items"]["maximum"] == 2**63 - 1
    stories = {p["name"]: p["schema"] for p in schema["paths"]["/api/stories/"]["get"]["parameters"]}
    assert stories["owner"]["anyOf"][1]["enum"] == ["none", "me"]


def test_a_refused_quick_add_shows_what_was_typed_escaped_and_cut(client, art, pi, team, development, scrum_master):
    """The team board's quick add keeps what was typed; a NUL or 100,000 characters never come back raw."""
    path = url("board_story_create", art, pi_id=pi.pk, team_id=team.pk)
    client = login(client, scrum_master)
    for title in ("a\x00b", LONG):
        response = client.post(path, {"title": title, "points": "1", "iteration": development[0].pk}, headers=HTMX)
        page = response.content.decode()
        assert response.status_code == 422 and "\x00" not in page and "x" * 1000 not in page
    assert not Story.objects.exists()
