"""Improvement items reach the next PI: each becomes a feature of the ART backlog in its target PI, its
state follows that feature, and the follow-through rate per PI is read in one query. Also: the
quantitative review stays as it was frozen after the metrics are recomputed."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from artops.models import Role
from metrics import services as metrics_services
from metrics.ia import follow_through, review, services
from metrics.ia.models import ImprovementItem, InspectAdapt
from planning import services as planning
from planning.models import Feature, FeatureStateChange, PIObjective
from sync.models import DemoItem, SystemDemo
from tests.conftest import make_member
from tests.factories import make_pi
from tests.helpers import count_queries
from tests.metrics.conftest import at, objective

pytestmark = pytest.mark.django_db


def improve(event, by, owner, target_pi, title="Slice stories thinner", **fields):
    return services.add_improvement(
        event, by=by, title=title, owner=owner, target_pi=target_pi, measure_of_done="Spill-over under 10%", **fields
    )


def state_of(item):
    return ImprovementItem.objects.with_state().get(pk=item.pk).state


def place(item, team, by):
    iteration = item.target_pi.iterations.development().first()
    return planning.place_feature(item.feature, team=team, iteration=iteration, by=by)


def finish(feature, day):
    Feature.objects.filter(pk=feature.pk).update(state=Feature.State.DONE)
    FeatureStateChange.objects.create(
        feature=feature, from_state="validating", to_state="done", at=at(feature.art, day)
    )


def demo(feature, team, by):
    iteration = feature.pi.iterations.development().first()
    shown = SystemDemo.objects.get_or_create(
        art=feature.art, pi=feature.pi, iteration=iteration, defaults={"held_on": iteration.end_date, "created_by": by}
    )[0]
    return DemoItem.objects.create(
        demo=shown, team=team, feature=feature, shown="It works", integrated="yes", added_by=by
    )


# --- an item becomes a feature of the next PI -----------------------------------------------------------


def test_an_item_becomes_an_enabler_in_its_target_pis_backlog(event, rte, team_member, next_pi):
    item = improve(event, rte, team_member, next_pi)
    feature = item.feature
    assert (feature.title, feature.type, feature.pi, feature.state) == (
        "Slice stories thinner",
        Feature.Type.ENABLER,
        next_pi,
        Feature.State.FUNNEL,
    )
    assert feature.acceptance_criteria == "Spill-over under 10%"
    assert "Inspect & Adapt of PI 2026.4" in feature.description
    # Ranked by WSJF like any other feature of that PI.
    assert list(Feature.objects.filter(pi=next_pi).ranked()) == [feature]
    assert state_of(item) == "proposed"


def test_its_state_follows_the_feature(event, rte, team_member, next_pi, team):
    item = improve(event, rte, team_member, next_pi)
    place(item, team, rte)
    assert state_of(item) == "planned"
    finish(item.feature, date(2027, 1, 20))
    assert state_of(item) == "done"
    later = improve(event, rte, team_member, next_pi, "Later")
    dropped = services.drop_improvement(later, reason="Out of scope", by=rte)
    assert state_of(dropped) == "dropped"


def test_a_cancelled_feature_drops_the_item(event, rte, team_member, next_pi):
    item = improve(event, rte, team_member, next_pi)
    Feature.objects.filter(pk=item.feature_id).update(state=Feature.State.CANCELLED)
    assert state_of(item) == "dropped"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"owner": None}, "owner", "needs an owner"),
        ({"target_pi": None}, "target_pi", "Choose the PI"),
        ({"title": "  "}, "title", "Give the improvement item a title"),
        ({"measure_of_done": ""}, "measure_of_done", "how the train will know"),
    ],
)
def test_bad_items_are_refused_and_nothing_is_saved(event, rte, team_member, next_pi, fields, field, message):
    values = {"title": "Slice stories", "owner": team_member, "target_pi": next_pi, "measure_of_done": "Spill < 10%"}
    with pytest.raises(ValidationError) as refused:
        services.add_improvement(event, by=rte, **(values | fields))
    assert message in " ".join(refused.value.message_dict[field])
    assert not ImprovementItem.objects.exists() and not Feature.objects.exists()


def test_a_target_pi_in_the_past_is_refused(art, event, rte, team_member):
    past = make_pi(art, name="PI 2026.3", start=date(2026, 7, 27))
    with pytest.raises(ValidationError, match=r"PI 2026\.3 has ended"):
        improve(event, rte, team_member, past)
    assert not Feature.objects.exists()


def test_the_owner_is_a_member_of_the_train(event, rte, outsider, next_pi):
    with pytest.raises(ValidationError, match="not a member of this train"):
        improve(event, rte, outsider, next_pi)
    assert not Feature.objects.exists()


def test_only_the_facilitator_writes_improvement_items(event, product_manager, team_member, next_pi):
    with pytest.raises(PermissionDenied):
        improve(event, product_manager, team_member, next_pi)


def test_dropping_needs_a_reason(event, rte, team_member, next_pi):
    item = improve(event, rte, team_member, next_pi)
    with pytest.raises(ValidationError, match="Say why"):
        services.drop_improvement(item, reason=" ", by=rte)
    assert state_of(item) == "proposed"


# --- the follow-through across PIs -----------------------------------------------------------------------


@pytest.fixture
def history(art, pi, next_pi, rte, team, team_member, clock):
    """PI 2026.3 left one item, planned into PI 2026.4 and done; PI 2026.4 leaves four for PI 2027.1:
    one planned, one planned, done and demoed, one proposed, one dropped."""
    earlier = make_pi(art, name="PI 2026.3", start=date(2026, 7, 27))
    clock.move_to("2026-10-01 09:00Z")
    old_event = services.open_ia(earlier, by=rte)
    old = improve(old_event, rte, team_member, pi, "Automate the release notes")
    place(old, team, rte)
    finish(old.feature, date(2026, 11, 2))
    clock.move_to("2026-12-08 09:00Z")
    event = services.open_ia(pi, by=rte)
    planned = improve(event, rte, team_member, next_pi, "Planned")
    place(planned, team, rte)
    shipped = improve(event, rte, team_member, next_pi, "Shipped")
    place(shipped, team, rte)
    finish(shipped.feature, date(2026, 12, 8))
    demo(shipped.feature, team, rte)
    improve(event, rte, team_member, next_pi, "Proposed")
    services.drop_improvement(improve(event, rte, team_member, next_pi, "Dropped"), reason="Not needed", by=rte)
    return {"earlier": earlier, "event": event}


def test_follow_through_rate_per_pi(art, pi, history):
    result = follow_through.follow_through(art, today=date(2026, 12, 20))
    rates = {rate.pi.name: rate for rate in result.rates}
    latest = rates["PI 2026.4"]
    assert (latest.items, latest.planned, latest.done, latest.demoed) == (4, 2, 1, 1)
    assert (latest.planned_percent, latest.done_percent, latest.demoed_percent) == (50, 25, 25)
    earlier = rates["PI 2026.3"]
    assert (earlier.items, earlier.planned_percent, earlier.done_percent, earlier.demoed_percent) == (1, 100, 100, 0)
    rows = {item.title: (item.state, item.event.pi.name, item.owner.display_name, item.age) for item in result.items}
    assert rows == {
        "Planned": ("planned", "PI 2026.4", "Tess Member", 12),
        "Shipped": ("done", "PI 2026.4", "Tess Member", 0),
        "Proposed": ("proposed", "PI 2026.4", "Tess Member", 12),
        "Dropped": ("dropped", "PI 2026.4", "Tess Member", 0),
        "Automate the release notes": ("done", "PI 2026.3", "Tess Member", 32),
    }
    # Newest PI of origin first.
    assert result.items[0].event.pi.name == "PI 2026.4"


def test_follow_through_is_one_query_whatever_the_size(art, history, rte, team_member, next_pi):
    small, first = count_queries(follow_through.follow_through, art, today=date(2026, 12, 20))
    for number in range(15):
        improve(history["event"], rte, team_member, next_pi, f"More {number}")
    large, second = count_queries(follow_through.follow_through, art, today=date(2026, 12, 20))
    assert small == large == 1
    assert len(second.items) == len(first.items) + 15


# --- the quantitative review, frozen ------------------------------------------------------------------------


def test_the_frozen_review_stays_as_it_was_after_a_recomputation(art, pi, team, rte, event):
    obj = objective(team, pi, planned=10, actual=8, assessed_on=date(2026, 11, 27))
    make_member(art, Role.TEAM_MEMBER, team)
    frozen = services.freeze_review(event, by=rte)
    assert frozen.review["train"]["predictability"] == "80.0"
    assert frozen.review["teams"] == [
        {
            "team": "Falcons",
            "predictability": "80.0",
            "actual_bv": 8,
            "planned_committed_bv": 10,
            "assessed": "1 of 1 objective assessed",
            "label": "so far",
        }
    ]
    # The data changes, and the nightly metrics are recomputed for the I&A's day.
    PIObjective.objects.filter(pk=obj.pk).update(actual_business_value=3)
    team.name = "Renamed"
    team.save()
    metrics_services.recompute(art, date(2026, 12, 7))
    live = review.compute(InspectAdapt.objects.get(), day=date(2026, 12, 8))
    assert live["train"]["predictability"] == "30.0"  # the figures did change...
    again = InspectAdapt.objects.get()
    assert again.review == frozen.review  # ...but not what the I&A showed
    assert review.review_of(again, today=date(2026, 12, 9)) == (frozen.review, True)
    with pytest.raises(ValidationError, match="already frozen"):
        services.freeze_review(again, by=rte)


def test_closing_freezes_the_review(event, rte):
    assert review.review_of(event, today=date(2026, 12, 8))[1] is False
    held = services.close_ia(event, by=rte)
    assert held.review["day"] == "2026-12-08" and held.review_frozen_at is not None


def test_a_review_without_objectives_shows_no_figure(event):
    computed = review.compute(event, day=event.held_on - timedelta(days=5))
    assert computed["train"]["predictability"] is None
    assert computed["teams"] == []
