"""What issue 10 asks of the core and of what every app shares: the pagination of the API, the
statuses and nullable fields of its schema, sign-in whatever the case of the email, the damaged
version field of an edit form, the bounds of the core's free text, and ids that are not ids."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from artops.forms import VERSION_MISSING
from artops.models import Role, Team, User
from planning.models import Feature
from risks.models import Risk
from tests.api_helpers import client_for, messages
from tests.conftest import make_member
from tests.factories import MembershipFactory, RiskFactory, UserFactory
from tests.helpers import HTMX, url
from tests.planning.factories import FeatureFactory

pytestmark = pytest.mark.django_db

PASSWORD = "train-all-the-things"


# --- ?page= of every list of the API ------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        ("abc", "“abc” is not a whole number"),
        ("0", "0 is out of range"),
        ("-1", "“-1” is not a whole number"),
        ("²", "“²” is not a whole number"),
        ("١٢", "is not a whole number"),
        ("9" * 5000, "5,000 characters are too many for a number"),
        ("last", "“last” is not a whole number"),
    ],
)
@pytest.mark.parametrize("endpoint", ["api-team-list", "api-risk-list", "api-membership-list"])
def test_a_page_that_is_not_one_is_refused_with_400_and_the_reason(rte, art, team, endpoint, page, reason):
    response = client_for(rte).get(reverse(endpoint), {"page": page})
    assert response.status_code == 400
    assert reason in " ".join(response.json()["page"])


def test_a_page_past_the_end_is_not_found_and_says_how_many_pages_there_are(rte, art, team):
    response = client_for(rte).get(reverse("api-team-list"), {"page": 99999})
    assert response.status_code == 404
    assert response.json() == {"detail": "There is no page 99999: this list has 1 page."}


def test_pages_of_a_long_list_are_read_in_order(rte, art):
    Team.objects.bulk_create(Team(art=art, name=f"Squad {number:03}") for number in range(60))
    client = client_for(rte)
    first, second = (client.get(reverse("api-team-list"), {"page": page}).json() for page in ("", "2"))
    assert (first["count"], len(first["results"]), len(second["results"])) == (60, 50, 10)
    assert first["next"].endswith("page=2") and second["next"] is None


# --- the schema --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, operation


def test_every_operation_documents_401_403_and_404_with_the_error_body(schema):
    for path, method, operation in operations(schema):
        for code in ("401", "403", "404"):
            answer = operation["responses"].get(code)
            assert answer is not None, (method, path, code)
            assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorDetail"}
    assert schema["components"]["schemas"]["ErrorDetail"]["required"] == ["detail"]


def test_writes_and_reads_with_query_parameters_document_400(schema):
    for path, method, operation in operations(schema):
        takes_query = any(parameter["in"] == "query" for parameter in operation.get("parameters", []))
        if method != "get" or takes_query:
            assert "400" in operation["responses"], (method, path)
        else:
            assert "400" not in operation["responses"], (method, path)
    assert "400" in dict(operations_by_key(schema))[("get", "/api/risks/")]["responses"]


def operations_by_key(schema):
    return (((method, path), operation) for path, method, operation in operations(schema))


@pytest.mark.parametrize(
    ("method", "path", "versioned"),
    [
        ("patch", "/api/risks/{id}/", True),
        ("post", "/api/risks/{id}/roam/", True),
        ("post", "/api/dependencies/{id}/move/", True),
        ("post", "/api/dependencies/{id}/review/", True),
        ("post", "/api/risks/", False),
        ("get", "/api/risks/{id}/", False),
        ("patch", "/api/teams/{id}/", False),
    ],
)
def test_operations_that_take_a_version_document_409(schema, method, path, versioned):
    operation = dict(operations_by_key(schema))[(method, path)]
    assert ("409" in operation["responses"]) is versioned


@pytest.mark.parametrize(
    ("component", "field"),
    [("Risk", "team"), ("Risk", "owner"), ("Dependency", "providing_team"), ("Dependency", "planned_iteration")],
)
def test_nullable_foreign_keys_are_marked_nullable(schema, component, field):
    assert schema["components"]["schemas"][component]["properties"][field]["nullable"] is True


def test_the_page_parameter_is_documented_as_a_number_from_one(schema):
    page = next(p for p in dict(operations_by_key(schema))[("get", "/api/risks/")]["parameters"] if p["name"] == "page")
    assert (page["schema"]["type"], page["schema"]["minimum"]) == ("integer", 1)


# --- sign-in ------------------------------------------------------------------------------------


@pytest.fixture
def riley(art):
    user = make_member(art, Role.RTE, email="riley@payments.example", display_name="Riley RTE")
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.mark.parametrize("typed", ["Riley@Payments.Example", "RILEY@PAYMENTS.EXAMPLE", " riley@payments.example "])
def test_the_email_signs_in_whatever_its_case(client, art, riley, typed):
    response = client.post(reverse("login"), {"username": typed, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(url("art_home", art)).wsgi_request.user == riley


def test_failed_sign_ins_in_other_cases_count_towards_one_lockout(client, riley):
    for typed in ("Riley@Payments.Example", "RILEY@payments.example", "riley@PAYMENTS.example", "rILEY@x.EXAMPLE"):
        client.post(reverse("login"), {"username": typed.replace("x.EXAMPLE", "payments.example"), "password": "no"})
    response = client.post(reverse("login"), {"username": "riley@payments.example", "password": "no"})
    assert response.status_code == 429
    response = client.post(reverse("login"), {"username": "Riley@Payments.Example", "password": PASSWORD})
    assert response.status_code == 429


def test_a_new_person_is_stored_with_the_email_in_lower_case(client, art, rte):
    client.force_login(rte)
    data = {"email": "New.Person@Payments.Example", "display_name": "New Person", "role": Role.BUSINESS_OWNER}
    assert client.post(url("member_list", art), data).status_code == 302
    assert User.objects.filter(email="new.person@payments.example").exists()


# --- the damaged version of an edit form --------------------------------------------------------


@pytest.mark.parametrize("version", ["", "abc", "²", "9" * 5000, "0"])
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_a_risk_edit_with_a_damaged_version_shows_the_message_and_saves_nothing(client, art, pi, rte, version, headers):
    client.force_login(rte)
    risk = RiskFactory(pi=pi, raised_by=rte, title="Card provider may slip")
    data = {"title": "Changed", "probability": 3, "impact": 3, "version": version}
    response = client.post(url("risk_detail", art, risk_id=risk.pk), data, headers=headers)
    assert response.status_code == 422
    assert VERSION_MISSING in response.content.decode()
    risk.refresh_from_db()
    assert (risk.title, risk.version) == ("Card provider may slip", 1)
    assert Risk.objects.count() == 1


@pytest.mark.parametrize("version", ["", "abc", "²", "9" * 5000])
def test_a_feature_edit_with_a_damaged_version_shows_the_message_and_saves_nothing(client, art, pi, rte, version):
    client.force_login(rte)
    feature = FeatureFactory(art=art, pi=pi, title="Instant payouts")
    data = {"title": "Changed", "type": Feature.Type.BUSINESS, "version": version}
    response = client.post(url("feature_detail", art, key=feature.key), data)
    assert response.status_code == 422
    html = response.content.decode()
    assert VERSION_MISSING in html and 'role="alert"' in html
    feature.refresh_from_db()
    assert feature.title == "Instant payouts"


# --- the core's free text and ids ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [("x" * 121, "at most 120 characters"), ("Riley\x00", "Null characters are not allowed.")],
)
def test_the_profile_refuses_a_name_too_long_or_unstorable(client, rte, name, message):
    client.force_login(rte)
    response = client.post(reverse("profile"), {"display_name": name})
    assert response.status_code == 422 and message in response.content.decode()
    rte.refresh_from_db()
    assert rte.display_name == "Riley RTE"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "x" * 81}, "name", "no more than 80 characters"),
        ({"name": "Falcons\x00"}, "name", "Null characters are not allowed."),
        ({"art": "payments\x00"}, "art", "Invalid value."),
    ],
)
def test_the_team_api_refuses_a_name_too_long_or_unstorable(rte, art, data, field, message):
    response = client_for(rte).post(
        reverse("api-team-list"), {"art": art.slug, "name": "Ospreys", **data}, format="json"
    )
    assert response.status_code == 400 and message in messages(response)
    assert not Team.objects.filter(art=art).exists()


@pytest.mark.parametrize("value", ["²", "①", "9" * 5000, "-1"])
@pytest.mark.parametrize(("endpoint", "param"), [("api-membership-list", "team"), ("api-iteration-list", "pi")])
def test_core_filters_refuse_an_id_that_is_not_one(rte, art, endpoint, param, value):
    response = client_for(rte).get(reverse(endpoint), {param: value})
    assert response.status_code == 400 and param in response.json()


@pytest.mark.parametrize("value", ["²", "9" * 5000, "-1"])
def test_a_membership_with_a_team_that_is_not_an_id_is_refused(rte, art, value):
    data = {
        "art": art.slug,
        "user": "new@payments.example",
        "display_name": "New",
        "role": "team_member",
        "team": value,
    }
    response = client_for(rte).post(reverse("api-membership-list"), data, format="json")
    assert response.status_code == 400 and "team" in response.json()
    assert not User.objects.filter(email="new@payments.example").exists()


@time_machine.travel(datetime(2026, 10, 20, 7, 0, tzinfo=UTC), tick=False)
@pytest.mark.parametrize("start", ["0146-10-05", "2101-01-03"])
def test_the_pi_form_refuses_a_start_outside_2000_to_2100(client, art, rte, start):
    client.force_login(rte)
    data = {"name": "PI far", "start_date": start, "iteration_weeks": 2, "development_iterations": 4}
    response = client.post(url("pi_create", art), data)
    assert response.status_code == 422
    assert "give a date from 1 January 2000 to 31 December 2100" in response.content.decode()
    assert not art.pis.filter(name="PI far").exists()


def test_a_member_of_two_roles_is_one_owner_to_choose(art, team, rte):
    MembershipFactory(user=rte, art=art, role=Role.SCRUM_MASTER, team=team)
    UserFactory(display_name="Nobody here")
    assert list(User.objects.on_train(art)) == [rte]
