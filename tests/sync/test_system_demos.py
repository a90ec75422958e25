"""System Demos: one per development iteration, items integrated or not (with the reason), attendance,
outcomes per feature, feedback turned into a backlog item or closed with a reason; the reads of the pages."""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from artops.services import StaleVersion
from planning.models import Feature
from sync import services
from sync.models import DemoFeedback, DemoItem, DemoOutcome, SystemDemo
from tests.factories import make_pi
from tests.planning.factories import FeatureFactory, ObjectiveFactory
from tests.sync.factories import DemoFeedbackFactory, DemoItemFactory, SystemDemoFactory

pytestmark = pytest.mark.django_db

I = DemoItem.Integrated  # noqa: E741


@pytest.fixture
def demo(art, pi, iterations, rte):
    return services.create_system_demo(art, iteration=iterations[1], by=rte)


@pytest.fixture
def feature(art, pi):
    return FeatureFactory(art=art, pi=pi, title="Instant payouts")


def add_item(demo, team, feature, by, **fields):
    values = {"shown": "Payout to a debit card in staging", "integrated": I.YES} | fields
    return services.add_demo_item(demo, team=team, feature=feature, by=by, **values)


# --- the demo ---------------------------------------------------------------------------------------


def test_create_system_demo_for_a_development_iteration(art, pi, iterations, rte, demo):
    assert (demo.pi, demo.iteration, demo.held_on, demo.version) == (pi, iterations[1], date(2026, 10, 18), 1)
    with pytest.raises(ValidationError, match=r"Iteration 1 of PI 2026\.4 already has its System Demo"):
        services.create_system_demo(art, iteration=iterations[1], by=rte)
    assert SystemDemo.objects.count() == 1


def test_create_system_demo_refusals(art, pi, iterations, rte, other_art, product_manager):
    with pytest.raises(ValidationError, match="the IP iteration has the PI System Demo"):
        services.create_system_demo(art, iteration=iterations[5], by=rte)
    foreign = make_pi(other_art, name="Lending PI", start=date(2026, 10, 5)).iterations.first()
    with pytest.raises(ValidationError, match="belongs to another train"):
        services.create_system_demo(art, iteration=foreign, by=rte)
    with pytest.raises(PermissionDenied, match="Only the Release Train Engineer runs"):
        services.create_system_demo(art, iteration=iterations[2], by=product_manager)
    assert not SystemDemo.objects.exists()


def test_attendance_members_only(demo, rte, business_owner, product_manager, outsider):
    updated = services.record_attendance(demo, attendees=[business_owner, product_manager], by=rte, expected_version=1)
    assert set(updated.attendees.all()) == {business_owner, product_manager} and updated.version == 2
    with pytest.raises(ValidationError, match="Not members of this train: Olli Outsider"):
        services.record_attendance(demo, attendees=[business_owner, outsider], by=rte, expected_version=2)
    with pytest.raises(StaleVersion):
        services.record_attendance(demo, attendees=[], by=rte, expected_version=1)
    assert demo.attendees.count() == 2


def test_update_notes(demo, rte):
    updated = services.update_system_demo(demo, notes="  Good turnout ", by=rte, expected_version=1)
    assert (updated.notes, updated.version) == ("Good turnout", 2)


# --- demo items ---------------------------------------------------------------------------------------


def test_add_demo_items_integrated_or_not(demo, team, other_team, feature, scrum_master, rte, pi):
    objective = ObjectiveFactory(team=team, pi=pi)
    shown = add_item(demo, team, feature, scrum_master, objective=objective)
    assert (shown.is_integrated, shown.objective, shown.added_by) == (True, objective, scrum_master)
    partly = add_item(demo, other_team, feature, rte, integrated=I.PARTLY, reason="Ledger stub, not the real one")
    assert partly.reason == "Ledger stub, not the real one"
    counted = SystemDemo.objects.with_counts().get(pk=demo.pk)
    assert (counted.items_count, counted.integrated_count, counted.not_integrated_count) == (2, 1, 1)
    assert list(demo.items.not_integrated()) == [partly]


def test_demo_item_for_a_feature_of_another_pi_is_refused_and_nothing_saved(art, demo, team, scrum_master):
    later = make_pi(art, name="PI 2027.1", start=date(2026, 12, 14))
    other_pi = FeatureFactory(art=art, pi=later, title="Split payments")
    with pytest.raises(ValidationError) as refused:
        add_item(demo, team, other_pi, scrum_master)
    key = other_pi.key
    assert refused.value.message_dict == {
        "feature": [f"{key} is planned for PI 2027.1: the System Demo of PI 2026.4 shows features of PI 2026.4."]
    }
    unplanned = FeatureFactory(art=art, title="Crypto off-ramp")
    with pytest.raises(ValidationError, match="is not planned for a PI"):
        add_item(demo, team, unplanned, scrum_master)
    assert not DemoItem.objects.exists()


def test_demo_item_refusals(demo, team, other_team, feature, scrum_master, team_member, other_art, pi):
    with pytest.raises(ValidationError, match="Say why it is not fully integrated"):
        add_item(demo, team, feature, scrum_master, integrated=I.NO)
    with pytest.raises(ValidationError, match="yes, partly or no"):
        add_item(demo, team, feature, scrum_master, integrated="maybe")
    with pytest.raises(ValidationError, match=r"Choose a PI objective of Falcons in PI 2026\.4"):
        add_item(demo, team, feature, scrum_master, objective=ObjectiveFactory(team=other_team, pi=pi))
    with pytest.raises(ValidationError, match="belongs to another train"):
        add_item(demo, team, FeatureFactory(art=other_art), scrum_master)
    with pytest.raises(PermissionDenied, match="record what the team showed"):
        add_item(demo, other_team, feature, scrum_master)
    with pytest.raises(PermissionDenied):
        add_item(demo, team, feature, team_member)
    assert not DemoItem.objects.exists()
    add_item(demo, team, feature, scrum_master)
    with pytest.raises(ValidationError, match="already shown this feature at this demo"):
        add_item(demo, team, feature, scrum_master)


# --- outcomes -------------------------------------------------------------------------------------------


def test_set_demo_outcome(demo, team, feature, scrum_master, product_manager, business_owner, art, pi):
    add_item(demo, team, feature, scrum_master)
    accepted = services.set_demo_outcome(demo, feature=feature, outcome="accepted", by=product_manager)
    assert (accepted.outcome, accepted.version) == ("accepted", 1)
    with pytest.raises(StaleVersion):
        services.set_demo_outcome(demo, feature=feature, outcome="needs_work", by=product_manager)
    again = services.set_demo_outcome(
        demo, feature=feature, outcome="needs_work", note="Retry logic", by=product_manager, expected_version=1
    )
    assert (again.pk, again.outcome, again.version) == (accepted.pk, "needs_work", 2)
    with pytest.raises(PermissionDenied, match="Only Product Management and the RTE accept features"):
        services.set_demo_outcome(demo, feature=feature, outcome="accepted", by=business_owner, expected_version=2)
    with pytest.raises(ValidationError, match="was not shown at this demo"):
        services.set_demo_outcome(demo, feature=FeatureFactory(art=art, pi=pi), outcome="accepted", by=product_manager)
    with pytest.raises(ValidationError, match="accepted, or needs work"):
        services.set_demo_outcome(demo, feature=feature, outcome="great", by=product_manager, expected_version=2)
    assert DemoOutcome.objects.get().outcome == "needs_work"


# --- feedback -----------------------------------------------------------------------------------------


def test_every_member_gives_feedback(demo, team, feature, scrum_master, business_owner, team_member, outsider):
    item = add_item(demo, team, feature, scrum_master)
    feedback = services.add_feedback(demo, text=" Show the fees before confirming ", by=business_owner, item=item)
    assert (feedback.state, feedback.text, feedback.item) == ("open", "Show the fees before confirming", item)
    services.add_feedback(demo, text="Nice", by=team_member)
    with pytest.raises(PermissionDenied, match="Only members of this train give feedback"):
        services.add_feedback(demo, text="Hm", by=outsider)
    with pytest.raises(ValidationError, match="Write the feedback"):
        services.add_feedback(demo, text="", by=business_owner)
    assert DemoFeedback.objects.count() == 2


def test_turn_feedback_into_a_backlog_item(art, demo, business_owner, team_member, rte):
    feedback = services.add_feedback(
        demo, text="Show the fees before confirming\nand in the receipt", by=business_owner
    )
    # Business Owners turn what they saw into a proposal in the funnel (planning.propose_feature);
    # a team member gives feedback but does not feed the backlog.
    with pytest.raises(PermissionDenied, match="Business Owners turn feedback into a backlog item"):
        services.turn_feedback_into_backlog_item(feedback, by=team_member, expected_version=1)
    turned = services.turn_feedback_into_backlog_item(feedback, by=business_owner, expected_version=1)
    feature = turned.backlog_feature
    assert (turned.state, turned.handled_by, turned.version) == ("backlog", business_owner, 2)
    assert (feature.title, feature.state, feature.pi, feature.type) == (
        "Show the fees before confirming",
        "funnel",
        None,
        "business",
    )
    assert "Iteration 1" in feature.description and feature.state_changes.get().by == business_owner
    with pytest.raises(ValidationError, match="already handled"):
        services.close_feedback(turned, reason="Nope", by=rte, expected_version=2)


def test_architects_propose_features_and_enablers(demo, business_owner, system_architect):
    feedback = services.add_feedback(demo, text="The demo was slow", by=business_owner)
    turned = services.turn_feedback_into_backlog_item(
        feedback, by=system_architect, expected_version=1, title="Performance budget", type=Feature.Type.ENABLER
    )
    assert (turned.backlog_feature.title, turned.backlog_feature.type) == ("Performance budget", "enabler")
    other = services.add_feedback(demo, text="Show the audit trail", by=business_owner)
    proposed = services.turn_feedback_into_backlog_item(other, by=system_architect, expected_version=1)
    assert (proposed.backlog_feature.type, proposed.backlog_feature.state) == ("business", "funnel")


def test_business_owners_propose_business_features_not_enablers(demo, business_owner):
    feedback = services.add_feedback(demo, text="The demo was slow", by=business_owner)
    with pytest.raises(PermissionDenied):
        services.turn_feedback_into_backlog_item(
            feedback, by=business_owner, expected_version=1, type=Feature.Type.ENABLER
        )
    assert not Feature.objects.exists()


def test_close_feedback_with_a_reason(demo, business_owner, rte, scrum_master):
    feedback = services.add_feedback(demo, text="Make it purple", by=business_owner)
    with pytest.raises(ValidationError, match="Say why no action is taken"):
        services.close_feedback(feedback, reason=" ", by=rte, expected_version=1)
    with pytest.raises(PermissionDenied, match="decide that feedback needs no action"):
        services.close_feedback(feedback, reason="Brand rules", by=scrum_master, expected_version=1)
    closed = services.close_feedback(feedback, reason="Brand rules", by=rte, expected_version=1)
    assert (closed.state, closed.close_reason, closed.backlog_feature) == ("closed", "Brand rules", None)
    assert not Feature.objects.exists()


# --- what the pages read ---------------------------------------------------------------------------------


def test_previous_demos_open_feedback(art, pi, iterations, rte, business_owner, django_assert_num_queries):
    first = SystemDemoFactory(art=art, pi=pi, iteration=iterations[1], created_by=rte)
    second = SystemDemoFactory(art=art, pi=pi, iteration=iterations[2], created_by=rte)
    third = SystemDemoFactory(art=art, pi=pi, iteration=iterations[3], created_by=rte)
    DemoFeedbackFactory(demo=first, by=business_owner)
    still_open = DemoFeedbackFactory(demo=second, by=business_owner)
    DemoFeedbackFactory(
        demo=second, by=business_owner, state="closed", close_reason="No", handled_by=rte,
        handled_at=datetime(2026, 11, 2, tzinfo=UTC),
    )  # fmt: skip
    with django_assert_num_queries(1):
        assert list(DemoFeedback.objects.open().from_previous_demo(third).with_related()) == [still_open]
    assert third.previous() == second and first.previous() is None
    assert not DemoFeedback.objects.from_previous_demo(first).exists()


def test_nothing_integrated_for_the_trains_home(art, pi, iterations, rte, team, other_team, feature):
    shown_well = SystemDemoFactory(art=art, pi=pi, iteration=iterations[1], created_by=rte)
    DemoItemFactory(demo=shown_well, team=team, feature=feature, added_by=rte)
    DemoItemFactory(demo=shown_well, team=other_team, feature=feature, added_by=rte, integrated=I.NO, reason="Slides")
    theater = SystemDemoFactory(art=art, pi=pi, iteration=iterations[2], created_by=rte)
    DemoItemFactory(demo=theater, team=team, feature=feature, added_by=rte, integrated=I.PARTLY, reason="Mocks")
    DemoItemFactory(demo=theater, team=other_team, feature=feature, added_by=rte, integrated=I.NO, reason="Laptop")
    assert list(SystemDemo.objects.for_art(art).nothing_integrated()) == [theater]
    counts = {d.pk: (d.items_count, d.not_integrated_count) for d in SystemDemo.objects.with_counts()}
    assert counts == {shown_well.pk: (2, 1), theater.pk: (2, 2)}


@pytest.mark.parametrize("size", [1, 8])
def test_demo_counts_read_in_one_query(size, art, pi, iterations, rte, team, django_assert_num_queries):
    for number in (1, 2, 3):
        demo = SystemDemoFactory(art=art, pi=pi, iteration=iterations[number], created_by=rte)
        for _ in range(size):
            DemoItemFactory(demo=demo, team=team, feature=FeatureFactory(art=art, pi=pi), added_by=rte)
    with django_assert_num_queries(1):
        demos = list(SystemDemo.objects.for_art(art).with_related().with_counts())
        [(str(d), d.items_count, d.not_integrated_count) for d in demos]
    assert [d.items_count for d in demos] == [size] * 3
