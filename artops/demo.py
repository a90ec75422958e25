"""The demo train: "Payments ART" with six teams, about forty people, a closed, a current and a next PI.

``seed_demo`` calls ``seed()``; running it again changes nothing that is already there, and
only adds PIs when time has moved past the last one, so the current PI always surrounds
today. Later capabilities extend the seed from their own apps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction

from artops import services
from artops.calendar.services import generate_calendar
from artops.coaching.demo import seed_coaching
from artops.models import ART, Membership, ProgramIncrement, Role, Team, User

DEMO_PASSWORD = "artops-demo"  # noqa: S105 - published demo credentials, documented in the README
DOMAIN = "payments.example"
TEAM_NAMES = ["Ledger", "Checkout", "Fraud Shield", "Payouts", "Wallet", "Platform"]


@dataclass(frozen=True)
class DemoLogin:
    email: str
    name: str
    role: Role
    team: str | None = None


# One login per role, documented in the README and printed by `make run`.
DEMO_LOGINS = [
    DemoLogin(f"rte@{DOMAIN}", "Rita Okafor", Role.RTE),
    DemoLogin(f"pm@{DOMAIN}", "Paul Meyer", Role.PRODUCT_MANAGEMENT),
    DemoLogin(f"architect@{DOMAIN}", "Anika Sørensen", Role.SYSTEM_ARCHITECT),
    DemoLogin(f"bo@{DOMAIN}", "Bruno Castillo", Role.BUSINESS_OWNER),
    DemoLogin(f"sm@{DOMAIN}", "Sana Malik", Role.SCRUM_MASTER, "Ledger"),
    DemoLogin(f"po@{DOMAIN}", "Pedro Oliveira", Role.PRODUCT_OWNER, "Ledger"),
    DemoLogin(f"dev@{DOMAIN}", "Dana Whitfield", Role.TEAM_MEMBER, "Ledger"),
]

# Everyone else on the train: (name, role, team).
OTHER_PEOPLE = [
    ("Grace Lindqvist", Role.BUSINESS_OWNER, None),
    ("Tomás Ferreira", Role.PRODUCT_MANAGEMENT, None),
    ("Liam O'Connor", Role.TEAM_MEMBER, "Ledger"),
    ("Mei Chen", Role.TEAM_MEMBER, "Ledger"),
    ("Felix Braun", Role.TEAM_MEMBER, "Ledger"),
    ("Jonas Weber", Role.SCRUM_MASTER, "Checkout"),
    ("Fatima Zahra", Role.PRODUCT_OWNER, "Checkout"),
    ("Ethan Brooks", Role.TEAM_MEMBER, "Checkout"),
    ("Priya Nair", Role.TEAM_MEMBER, "Checkout"),
    ("Lucas Martin", Role.TEAM_MEMBER, "Checkout"),
    ("Chloé Dubois", Role.TEAM_MEMBER, "Checkout"),
    ("Kwame Mensah", Role.SCRUM_MASTER, "Fraud Shield"),
    ("Elena Rossi", Role.PRODUCT_OWNER, "Fraud Shield"),
    ("Noah Fischer", Role.TEAM_MEMBER, "Fraud Shield"),
    ("Aisha Bello", Role.TEAM_MEMBER, "Fraud Shield"),
    ("Mateo García", Role.TEAM_MEMBER, "Fraud Shield"),
    ("Hannah Kowalski", Role.SCRUM_MASTER, "Payouts"),
    ("Omar Haddad", Role.PRODUCT_OWNER, "Payouts"),
    ("Sofia Novak", Role.TEAM_MEMBER, "Payouts"),
    ("Ben Carter", Role.TEAM_MEMBER, "Payouts"),
    ("Yuki Tanaka", Role.TEAM_MEMBER, "Payouts"),
    ("Isabel Moreno", Role.SCRUM_MASTER, "Wallet"),
    ("Daniel Kim", Role.PRODUCT_OWNER, "Wallet"),
    ("Olivia Hughes", Role.TEAM_MEMBER, "Wallet"),
    ("Arjun Rao", Role.TEAM_MEMBER, "Wallet"),
    ("Lena Vogel", Role.TEAM_MEMBER, "Wallet"),
    ("Rosa Jiménez", Role.TEAM_MEMBER, "Wallet"),
    ("Marcus Reed", Role.SCRUM_MASTER, "Platform"),
    ("Nadia Petrova", Role.PRODUCT_OWNER, "Platform"),
    ("Samuel Adeyemi", Role.TEAM_MEMBER, "Platform"),
    ("Clara Jensen", Role.TEAM_MEMBER, "Platform"),
    ("Victor Laurent", Role.TEAM_MEMBER, "Platform"),
    ("Ines Costa", Role.TEAM_MEMBER, "Platform"),
    # A Scrum Master who also develops in their team: two roles, one person.
    ("Marcus Reed", Role.TEAM_MEMBER, "Platform"),
]


def _email_for(name: str) -> str:
    local = "".join(ch for ch in name.lower().replace(" ", ".") if ch.isascii() and (ch.isalnum() or ch == "."))
    return f"{local}@{DOMAIN}"


def _person(email: str, name: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, DEMO_PASSWORD, display_name=name)
    return user


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _pi_name(start: date) -> str:
    # PIs of the demo last 70 days: number them within the year of their first day.
    return f"PI {start:%Y}.{(start.timetuple().tm_yday - 1) // 70 + 1}"


@transaction.atomic
def seed(today: date | None = None) -> ART:
    art, _ = ART.objects.get_or_create(
        slug="payments",
        defaults={"name": "Payments ART", "time_zone": "Europe/Berlin", "wip_limit": 12},
    )
    today = today or art.today()

    rte = _person(DEMO_LOGINS[0].email, DEMO_LOGINS[0].name)
    # The first RTE has nobody to appoint them; every later change goes through the services.
    Membership.objects.get_or_create(user=rte, art=art, role=Role.RTE, team=None)
    if not User.objects.filter(email=f"admin@{DOMAIN}").exists():
        User.objects.create_superuser(f"admin@{DOMAIN}", DEMO_PASSWORD, display_name="Site Administrator")

    teams = {team.name: team for team in Team.objects.for_art(art)}
    for name in TEAM_NAMES:
        if name not in teams:
            teams[name] = services.create_team(art, name=name, by=rte)

    people = [(login.email, login.name, login.role, login.team) for login in DEMO_LOGINS[1:]]
    people += [(_email_for(name), name, role, team) for name, role, team in OTHER_PEOPLE]
    for email, name, role, team_name in people:
        user = _person(email, name)
        team = teams[team_name] if team_name else None
        if not Membership.objects.filter(user=user, art=art, role=role, team=team).exists():
            services.add_membership(art, user=user, role=role, team=team, by=rte)

    _ensure_pis(art, today, by=rte)
    _publish_calendar(art, today, by=rte)
    seed_coaching(art, today, by=rte)
    return art


def _publish_calendar(art: ART, today: date, *, by: User) -> None:
    """The running and the next PI's events, generated from the default cadence (a rerun changes nothing)."""
    for pi in ProgramIncrement.objects.for_art(art).filter(end_date__gte=today).order_by("start_date"):
        generate_calendar(pi, by=by)


def _ensure_pis(art: ART, today: date, *, by: User) -> None:
    """A closed PI, a PI running today and the next one; later runs continue the cadence."""
    pis = list(ProgramIncrement.objects.for_art(art).chronological())
    if not pis:
        # Today falls in the second iteration of the current PI.
        current_start = _monday(today) - timedelta(weeks=art.iteration_weeks)
        length = timedelta(weeks=art.iteration_weeks * (art.development_iterations + 1))
        previous = services.create_pi(
            art, name=_pi_name(current_start - length), start_date=current_start - length, by=by
        )
        pis = [previous]
    # Continue the cadence until a PI runs today, and one more that is being prepared.
    while pis[-1].start_date <= today:
        start = pis[-1].end_date + timedelta(days=1)
        pis.append(services.create_pi(art, name=_pi_name(start), start_date=start, by=by))
    for pi in pis:
        _walk_state(pi, ProgramIncrement.State.CLOSED if pi.end_date < today else _state_today(pi, today), by=by)


def _state_today(pi: ProgramIncrement, today: date) -> ProgramIncrement.State:
    if pi.start_date > today:
        return ProgramIncrement.State.PREPARING
    return ProgramIncrement.State.EXECUTING


def _walk_state(pi: ProgramIncrement, target: ProgramIncrement.State, *, by: User) -> None:
    order = list(ProgramIncrement.State)
    while order.index(ProgramIncrement.State(pi.state)) < order.index(target):
        pi = services.advance_pi(pi, to=pi.next_state, by=by)
