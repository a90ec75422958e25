"""The System Demo pages: holding one, what the teams showed (integrated or not, a feature of another PI
refused), attendance, feedback (a Business Owner turns it into a backlog item in the funnel), outcomes,
actual business value through the objectives' service, the previous demo's open feedback; the train's
home saying when nothing was integrated; and ``planning.services.propose_feature``."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from planning import services as planning_services
from planning.models import Feature, ObjectiveChange, PIObjective
from sync import services
from sync.models import DemoFeedback, DemoItem, DemoOutcome, SystemDemo
from tests.conftest import PERSONAS
from tests.factories import make_pi
from tests.helpers import HTMX, url
from tests.planning.factories import FeatureFactory, ObjectiveFactory
from tests.sync.factories import DemoFeedbackFactory, DemoItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(art, pi, iterations, rte, everyone):
    return services.create_system_demo(art, iteration=iterations[1], by=rte)


@pytest.fixture
def feature(art, pi):
    return FeatureFactory(art=art, pi=pi, title="Instant payouts")


def demo_url(demo, name="sync_demo", **kwargs):
    return url(name, demo.art, demo_id=demo.pk, **kwargs)


def test_the_rte_holds_a_demo_of_an_iteration(client, art, pi, iterations, rte, everyone):
    client.force_login(rte)
    response = client.post(url("sync_demos", art), {"iteration": iterations[2].pk})
    demo = SystemDemo.objects.get()
    assert response.status_code == 302 and response["Location"] == demo_url(demo)
    assert (demo.iteration, demo.held_on) == (iterations[2], iterations[2].end_date)
    response = client.post(url("sync_demos", art), {"iteration": iterations[5].pk})  # the IP iteration
    assert response.status_code == 422 and SystemDemo.objects.count() == 1


def test_a_scrum_master_records_what_the_team_showed(client, demo, team, feature, scrum_master):
    client.force_login(scrum_master)
    data = {"team": team.pk, "feature": feature.pk, "shown": "Payout in staging", "integrated": "no"}
    response = client.post(demo_url(demo, "sync_demo_item_add"), data, headers=HTMX)
    assert response.status_code == 422 and "Say why it is not fully integrated" in response.content.decode()
    assert not DemoItem.objects.exists()
    data["reason"] = "Shown on a laptop"
    response = client.post(demo_url(demo, "sync_demo_item_add"), data, headers=HTMX)
    page = response.content.decode()
    assert response.status_code == 200 and "1 not fully integrated" in page and "Nothing was shown integrated." in page
    item = DemoItem.objects.get()
    assert (item.team, item.feature, item.integrated, item.added_by) == (team, feature, "no", scrum_master)


def test_a_demo_item_for_a_feature_of_another_pi_is_refused(client, art, demo, team, rte):
    later = make_pi(art, name="PI 2027.1", start=date(2026, 12, 14))
    elsewhere = FeatureFactory(art=art, pi=later, title="Next PI's work")
    client.force_login(rte)
    data = {"team": team.pk, "feature": elsewhere.pk, "shown": "It", "integrated": "yes"}
    response = client.post(demo_url(demo, "sync_demo_item_add"), data, headers=HTMX)
    assert response.status_code == 422 and "Choose a feature of this PI." in response.content.decode()
    with pytest.raises(ValidationError, match=r"is planned for PI 2027\.1: the System Demo of PI 2026\.4 shows"):
        services.add_demo_item(demo, team=team, feature=elsewhere, shown="It", integrated="yes", by=rte)
    assert not DemoItem.objects.exists()


def test_a_business_owner_turns_feedback_into_a_backlog_item(client, demo, business_owner, team_member):
    client.force_login(team_member)
    response = client.post(demo_url(demo, "sync_feedback_add"), {"text": "Show the fee first"}, headers=HTMX)
    assert response.status_code == 200 and "Feedback added." in response.content.decode()
    feedback = DemoFeedback.objects.get()
    backlog = url("sync_feedback_backlog", demo.art, demo_id=demo.pk, feedback_id=feedback.pk)
    assert client.post(backlog, {"version": 1}).status_code == 403  # a team member gives feedback only
    client.force_login(business_owner)
    page = client.get(demo_url(demo)).content.decode()
    assert "Make it a backlog item" in page and "Close: no action" not in page
    response = client.post(backlog, {"version": 1, "title": "Fee preview"}, headers=HTMX)
    assert response.status_code == 200 and "is in the backlog&#x27;s funnel" in response.content.decode()
    feedback.refresh_from_db()
    feature = feedback.backlog_feature
    assert (feedback.state, feedback.handled_by) == ("backlog", business_owner)
    assert (feature.title, feature.state, feature.pi, feature.type) == ("Fee preview", "funnel", None, "business")
    assert client.post(backlog, {"version": 2}, headers=HTMX).status_code == 422  # already handled


def test_closing_feedback_needs_a_reason_and_the_backlog_owners(client, demo, business_owner, product_manager):
    feedback = DemoFeedbackFactory(demo=demo, by=business_owner)
    close = url("sync_feedback_close", demo.art, demo_id=demo.pk, feedback_id=feedback.pk)
    client.force_login(business_owner)
    assert client.post(close, {"reason": "No", "version": 1}).status_code == 403
    client.force_login(product_manager)
    response = client.post(close, {"reason": "", "version": 1}, headers=HTMX)
    assert response.status_code == 422 and "Say why no action is taken." in response.content.decode()
    assert client.post(close, {"reason": "Brand rules", "version": 1}).status_code == 302
    assert DemoFeedback.objects.get().state == "closed"


def test_the_previous_demos_open_feedback_is_at_the_top(client, art, pi, iterations, rte, business_owner, demo):
    later = services.create_system_demo(art, iteration=iterations[2], by=rte)
    DemoFeedbackFactory(demo=demo, by=business_owner, text="Still waiting for an answer")
    client.force_login(business_owner)
    page = client.get(demo_url(later)).content.decode()
    assert page.index("Still open from the previous demo") < page.index("What the teams showed")
    assert "Still waiting for an answer" in page


def test_outcome_and_attendance(client, demo, team, feature, rte, product_manager, business_owner):
    DemoItemFactory(demo=demo, team=team, feature=feature, added_by=rte)
    client.force_login(product_manager)
    response = client.post(demo_url(demo, "sync_demo_outcome"), {"feature": feature.pk, "outcome": "accepted"})
    assert response.status_code == 302
    assert DemoOutcome.objects.get().outcome == "accepted"
    assert client.post(demo_url(demo, "sync_demo_attendance"), {"attendees": [rte.pk], "version": 1}).status_code == 403
    client.force_login(rte)
    response = client.post(
        demo_url(demo, "sync_demo_attendance"), {"attendees": [rte.pk, business_owner.pk], "version": 1}
    )
    assert response.status_code == 302
    assert set(SystemDemo.objects.get().attendees.all()) == {rte, business_owner}


def test_business_owners_record_actual_value_through_the_objectives_service(
    client, demo, team, pi, business_owner, rte
):
    objective = ObjectiveFactory(team=team, pi=pi, planned_business_value=8)
    value = url("sync_demo_business_value", demo.art, demo_id=demo.pk, objective_id=objective.pk)
    client.force_login(rte)  # business value belongs to Business Owners alone
    assert client.post(value, {"actual_business_value": 5, "version": 1}).status_code == 403
    client.force_login(business_owner)
    response = client.post(value, {"actual_business_value": 11, "version": 1}, headers=HTMX)
    assert response.status_code == 422 and "out of range" in response.content.decode()
    response = client.post(value, {"actual_business_value": 6, "version": 1}, headers=HTMX)
    assert response.status_code == 200
    assert PIObjective.objects.get().actual_business_value == 6
    change = ObjectiveChange.objects.get(objective=objective)
    assert (change.by, change.field) == (business_owner, ObjectiveChange.Field.ACTUAL_BV)


# --- the train's home -------------------------------------------------------------------------------


def test_the_train_home_says_when_nothing_was_integrated(client, art, pi, demo, team, feature, rte):
    client.force_login(rte)
    assert "Nothing integrated" not in client.get(url("art_home", art)).content.decode()
    DemoItemFactory(demo=demo, team=team, feature=feature, added_by=rte, integrated="partly", reason="Laptop")
    page = client.get(url("art_home", art)).content.decode()
    assert "Nothing integrated" in page and "nothing was shown integrated: 1 item" in page
    DemoItemFactory(demo=demo, team=team, feature=FeatureFactory(art=art, pi=pi), added_by=rte)
    assert "Nothing integrated" not in client.get(url("art_home", art)).content.decode()


def test_the_train_home_shows_the_next_sync(client, art, pi, team, other_team, rte, scrum_master):
    from datetime import time

    meeting = services.open_meeting(art, kind="art_sync", date=date(2026, 10, 13), start_time=time(10), by=rte)
    services.post_team_status(meeting, team=team, status="on_track", by=scrum_master)
    client.force_login(rte)
    page = client.get(url("art_home", art)).content.decode()
    assert "Next sync" in page and "Not posted their status yet: Otters." in page


# --- planning.services.propose_feature ------------------------------------------------------------------

PROPOSERS = {"rte", "product_manager", "system_architect", "business_owner"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_propose_feature_permission_matrix(persona, request, art, everyone, outsider):
    from django.contrib.auth.models import AnonymousUser

    user = AnonymousUser() if persona == "anonymous" else request.getfixturevalue(persona)
    if persona in PROPOSERS:
        feature = planning_services.propose_feature(art, title="Fee preview", description="From the demo", by=user)
        assert (feature.state, feature.type, feature.pi, feature.key) == ("funnel", "business", None, "PAY-1")
        assert feature.state_changes.get().by == user
    else:
        with pytest.raises(PermissionDenied):
            planning_services.propose_feature(art, title="Fee preview", description="", by=user)
        assert not Feature.objects.exists()


def test_propose_feature_needs_a_title(art, business_owner):
    with pytest.raises(ValidationError):
        planning_services.propose_feature(art, title="  ", description="", by=business_owner)
    assert not Feature.objects.exists()
