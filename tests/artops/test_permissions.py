"""The capability table, checked against DESIGN.md ("Roles and capabilities"), written out here again.

The expected grants below are transcribed from the design, not read from ``CAPABILITIES``, so that a
change to the code's table that departs from the design fails here.
"""

import itertools

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from artops.models import Role
from artops.permissions import CAPABILITIES, has_capability, memberships_of, require, roles_of, teams_where
from tests.conftest import make_member
from tests.factories import MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db

RTE = "rte"
PM = "product_manager"
SA = "system_architect"
BO = "business_owner"
SM = "scrum_master"
PO = "product_owner"
TM = "team_member"
ALL_ROLES = (RTE, PM, SA, BO, SM, PO, TM)
TEAM_SCOPED = (SM, PO, TM)

# Scopes: "art" anywhere on the train; "team" only for the team the membership names.
ART, TEAM = "art", "team"


def every_role() -> dict[str, str]:
    return dict.fromkeys(ALL_ROLES, ART)


# DESIGN.md: "The RTE can do everything within the ART except setting business value, which belongs to
# Business Owners." Scrum Master / PO grants are team-scoped.
EXPECTED_GRANTS: dict[str, dict[str, str]] = {
    # "Every member of an ART reads everything of that ART."
    "art.view": every_role(),
    # manage the ART: settings, teams, memberships, PIs, calendar
    "art.manage": {RTE: ART},
    # invite people by email, see who has not accepted, send again: the RTE
    "art.invite": {RTE: ART},
    # edit the ART backlog (features, WSJF), roadmap, milestones: RTE, PM; architects enablers only
    "planning.edit_backlog": {RTE: ART, PM: ART},
    "planning.edit_enablers": {RTE: ART, PM: ART, SA: ART},
    # edit the team plan: RTE, SM/PO (team); team member: own stories only
    "planning.edit_team_plan": {RTE: ART, SM: TEAM, PO: TEAM},
    # Own stories are part of the team plan: whoever edits the team plan edits them too, and the RTE
    # can do everything except business value.
    "planning.edit_own_stories": {RTE: ART, SM: TEAM, PO: TEAM, TM: TEAM},
    # write team PI objectives
    "planning.write_objectives": {RTE: ART, SM: TEAM, PO: TEAM},
    # set planned and actual business value: Business Owners alone
    "planning.set_business_value": {BO: ART},
    # open and close confidence votes, commit the plan, readiness
    "planning.facilitate": {RTE: ART},
    # vote confidence: everyone
    "planning.vote": every_role(),
    # raise risks, dependencies, impediments: everyone
    "risks.raise": every_role(),
    # ROAM risks: RTE, PM, SA, BO; SM/PO risks of their team
    "risks.roam": {RTE: ART, PM: ART, SA: ART, BO: ART, SM: TEAM, PO: TEAM},
    # update a dependency
    "risks.update_dependency": {RTE: ART, SM: TEAM, PO: TEAM},
    # the weekly dependency review (next action, reviewed on): the RTE who hunts aging dependencies,
    # and those who update a dependency, for their team's side
    "risks.review_dependencies": {RTE: ART, SM: TEAM, PO: TEAM},
    # run ART Sync, System Demo, I&A; escalate beyond the train
    "sync.facilitate": {RTE: ART},
    # post team status, escalate an impediment to the ART
    "sync.post_status": {RTE: ART, SM: TEAM, PO: TEAM},
    # give demo feedback, I&A votes: everyone
    "sync.give_feedback": every_role(),
    # escalate an impediment to the ART: the row "post team status, escalate an impediment to the ART"
    "sync.escalate_to_train": {RTE: ART, SM: TEAM, PO: TEAM},
    # escalate beyond the train: the row "run ART Sync, System Demo, I&A; escalate beyond the train"
    "sync.escalate_beyond": {RTE: ART},
    # give demo feedback, I&A votes: everyone (adds problems, causes, whys, solutions and dot votes at I&A;
    # running the I&A is "sync.facilitate" above)
    "metrics.contribute_ia": every_role(),
    # propose a feature to the backlog's funnel (issue 12: "A Business Owner turns demo feedback into a
    # backlog item"): the backlog's owners, architects and Business Owners
    "planning.propose_feature": {RTE: ART, PM: ART, SA: ART, BO: ART},
    "coaching.coach": {RTE: ART},
    "coaching.run_cop": {RTE: ART, SM: ART},
    "coaching.edit_playbooks": {RTE: ART},
    # Import the backlog from Jira (features, every team's stories, dependencies): the backlog's owners.
    "planning.import_backlog": {RTE: ART, PM: ART},
}

PERSONAS = [*ALL_ROLES, "outsider", "anonymous"]
TEAM_ARGS = ["no team", "own team", "other team"]


def expected(capability: str, persona: str, team_arg: str) -> bool:
    scope = EXPECTED_GRANTS[capability].get(persona)  # outsider and anonymous hold no role here
    if scope == ART:
        return True
    if scope == TEAM:
        # The team-scoped personas of conftest are all in ``team`` ("own team").
        return team_arg == "own team"
    return False


def test_every_capability_is_in_the_expected_table():
    assert set(CAPABILITIES) == set(EXPECTED_GRANTS)


@pytest.fixture
def user_for(request):
    def get(persona: str):
        if persona == "anonymous":
            return AnonymousUser()
        return request.getfixturevalue(persona)

    return get


@pytest.mark.parametrize(
    ("capability", "persona", "team_arg"),
    list(itertools.product(sorted(EXPECTED_GRANTS), PERSONAS, TEAM_ARGS)),
)
def test_capability_matrix(capability, persona, team_arg, user_for, art, team, other_team):
    user = user_for(persona)
    team_obj = {"no team": None, "own team": team, "other team": other_team}[team_arg]
    assert has_capability(user, capability, art=art, team=team_obj) is expected(capability, persona, team_arg)


@pytest.mark.parametrize("capability", sorted(EXPECTED_GRANTS))
def test_rte_holds_everything_but_business_value(capability, rte, art, team):
    for team_obj in (None, team):
        assert has_capability(rte, capability, art=art, team=team_obj) is (capability != "planning.set_business_value")


@pytest.mark.parametrize("capability", sorted(EXPECTED_GRANTS))
def test_outsider_holds_nothing_on_this_train(capability, outsider, art, team, other_art):
    assert not has_capability(outsider, capability, art=art)
    assert not has_capability(outsider, capability, art=art, team=team)
    # ... while holding everything but business value on their own train.
    assert has_capability(outsider, capability, art=other_art) is (capability != "planning.set_business_value")


def test_scrum_master_edits_own_team_plan_only(scrum_master, art, team, other_team):
    assert has_capability(scrum_master, "planning.edit_team_plan", art=art, team=team)
    assert not has_capability(scrum_master, "planning.edit_team_plan", art=art, team=other_team)
    assert not has_capability(scrum_master, "planning.edit_team_plan", art=art, team=None)
    assert not has_capability(scrum_master, "planning.edit_team_plan", art=art)


def test_scrum_master_of_two_teams_holds_both(art, team, other_team):
    user = make_member(art, Role.SCRUM_MASTER, team)
    MembershipFactory(user=user, art=art, role=Role.SCRUM_MASTER, team=other_team)
    third = TeamFactory(art=art, name="Pumas")
    assert has_capability(user, "planning.edit_team_plan", art=art, team=team)
    assert has_capability(user, "planning.edit_team_plan", art=art, team=other_team)
    assert not has_capability(user, "planning.edit_team_plan", art=art, team=third)


@pytest.mark.parametrize("capability", sorted(EXPECTED_GRANTS))
def test_team_of_another_art_gives_false(capability, rte, art, other_art):
    foreign_team = TeamFactory(art=other_art, name="Lenders")
    assert has_capability(rte, capability, art=art, team=foreign_team) is False


def test_team_of_another_art_gives_false_for_team_scoped_member(art, other_art, team):
    """Even when that foreign team is the one the membership names (a corrupt row must not leak)."""
    foreign_team = TeamFactory(art=other_art, name="Lenders")
    sm = make_member(art, Role.SCRUM_MASTER, team)
    assert has_capability(sm, "planning.edit_team_plan", art=other_art, team=team) is False
    assert has_capability(sm, "planning.edit_team_plan", art=art, team=foreign_team) is False


def test_unknown_capability_is_a_programming_error(rte, art):
    with pytest.raises(KeyError):
        has_capability(rte, "art.do_anything", art=art)


# --- memberships_of, roles_of, teams_where, require ---------------------------------------


def test_memberships_of_is_cached_per_user_object(rte, art, django_assert_num_queries):
    with django_assert_num_queries(1):
        first = memberships_of(rte, art)
        second = memberships_of(rte, art)
        has_capability(rte, "art.manage", art=art)
        has_capability(rte, "planning.vote", art=art)
        teams_where(rte, "planning.edit_team_plan", art=art)
        roles_of(rte, art)
    assert first is second
    assert [m.role for m in first] == [Role.RTE]


def test_memberships_of_is_cached_per_art(outsider, art, other_art, django_assert_num_queries):
    with django_assert_num_queries(2):
        assert memberships_of(outsider, art) == []
        assert len(memberships_of(outsider, other_art)) == 1
        memberships_of(outsider, art)
        memberships_of(outsider, other_art)


def test_memberships_of_anonymous_needs_no_query(art, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert memberships_of(AnonymousUser(), art) == []


def test_roles_of(art, team):
    user = make_member(art, Role.SCRUM_MASTER, team)
    MembershipFactory(user=user, art=art, role=Role.BUSINESS_OWNER, team=None)
    assert roles_of(user, art) == {Role.SCRUM_MASTER, Role.BUSINESS_OWNER}


def test_teams_where_art_wide_is_none(rte, product_manager, art):
    assert teams_where(rte, "planning.edit_team_plan", art=art) is None
    assert teams_where(product_manager, "risks.roam", art=art) is None


def test_teams_where_team_scoped_is_the_team_ids(art, team, other_team, scrum_master):
    assert teams_where(scrum_master, "planning.edit_team_plan", art=art) == {team.pk}
    user = make_member(art, Role.PRODUCT_OWNER, team)
    MembershipFactory(user=user, art=art, role=Role.PRODUCT_OWNER, team=other_team)
    assert teams_where(user, "sync.post_status", art=art) == {team.pk, other_team.pk}


def test_teams_where_art_wide_role_wins_over_team_scoped(art, team):
    user = make_member(art, Role.SCRUM_MASTER, team)
    MembershipFactory(user=user, art=art, role=Role.RTE, team=None)
    assert teams_where(user, "planning.edit_team_plan", art=art) is None


def test_teams_where_without_grant_is_empty(art, team_member, business_owner, outsider):
    assert teams_where(team_member, "planning.write_objectives", art=art) == set()
    assert teams_where(business_owner, "planning.edit_team_plan", art=art) == set()
    assert teams_where(outsider, "art.view", art=art) == set()
    assert teams_where(AnonymousUser(), "art.view", art=art) == set()


def test_require_raises_permission_denied_with_message(product_manager, business_owner, rte, art):
    with pytest.raises(PermissionDenied, match="Only the Release Train Engineer"):
        require(product_manager, "art.manage", art=art)
    with pytest.raises(PermissionDenied, match="Only Business Owners"):
        require(rte, "planning.set_business_value", art=art)
    require(business_owner, "planning.set_business_value", art=art)  # nothing raised
