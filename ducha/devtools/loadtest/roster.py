"""Which accounts of a database the load scenario signs in with (`ducha load_accounts`).

- demo: the demo county's people (`ducha demo`, ducha.devtools.demo.world) — its units' handlers and liaisons, the
  county's and the city's supervision offices and leaders;
- bench: the synthetic province of `ducha gendata` (ducha.devtools.gendata) — every county's office and leader and
  every receiving unit's liaison and handler are named `b<first id>_<unit id>_<role>`, with the provincial office
  `bench_office_<id>`, a county office `bench_county_office_<id>` and a unit's handler `bench_unit_<id>`; a sample
  of each role is taken (the provincial offices always), spread over the province by a seeded draw.

Only active accounts whose password need not be changed first are taken: the others could not work. Each account
is given the one role it acts out, the first it holds of office, leader, handler, liaison.
"""

from __future__ import annotations

import random
import re

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ducha.devtools.demo.world import COUNTY_NAME, DEMO_PASSWORD
from ducha.devtools.gendata import PASSWORD as BENCH_PASSWORD
from ducha.devtools.loadtest.accounts import ROLES, Account, AccountsFile, accounts_file
from ducha.orgs.models import RoleGrant, Unit, User

# The order in which a person holding several roles is given one.
ROLE_PRIORITY = ("office", "leader", "handler", "liaison")
BENCH_USERNAME = re.compile(
    r"^(?:bench_(?:office|county_office|unit)_\d+|b\d+_\d+_(?:office|leader|liaison|handler))$"
)
BENCH_PROVINCE_OFFICE = re.compile(r"^bench_office_\d+$")
DEFAULT_PER_ROLE = 100


class RosterError(LookupError):
    """The database holds no account of the set asked for."""


def _roles_by_username(users: QuerySet[User]) -> dict[str, str]:
    held: dict[str, set[str]] = {}
    grants = RoleGrant.objects.filter(
        user__in=users, user__is_active=True, user__must_change_password=False, role__in=ROLES
    ).values_list("user__username", "role")
    for username, role in grants:
        held.setdefault(username, set()).add(role)
    return {
        username: next(role for role in ROLE_PRIORITY if role in roles) for username, roles in held.items()
    }


def _sorted(roles: dict[str, str], *, later: frozenset[str] = frozenset()) -> list[Account]:
    """By role, then the accounts named in `later` after the others, then by name: the scenario hands them out in
    this order (the first simulated office is the county's own, not the city's)."""
    return sorted(
        (Account(username, role) for username, role in roles.items()),
        key=lambda account: (ROLE_PRIORITY.index(account.role), account.username in later, account.username),
    )


def demo_roster() -> AccountsFile:
    """Every account of the demo county (and of its city, after the county's) that the scenario acts out."""
    county = Unit.objects.filter(name=COUNTY_NAME).select_related("parent").first()
    if county is None:
        raise RosterError(_("There is no demo county in this database: run `ducha demo` on it first."))
    top = county.parent or county
    users = User.objects.filter(unit__path__startswith=top.path)
    # The city's people (its office and leader) see the county from above: they come after the county's.
    above = frozenset(users.exclude(unit__path__startswith=county.path).values_list("username", flat=True))
    accounts = _sorted(_roles_by_username(users), later=above)
    if not accounts:
        raise RosterError(_("The demo county has no account the load scenario can act out."))
    return accounts_file("demo", DEMO_PASSWORD, accounts)


def bench_roster(*, per_role: int = DEFAULT_PER_ROLE, seed: int = 2026) -> AccountsFile:
    """Up to `per_role` accounts of each role of the generated province, drawn with `seed`; the provincial office
    accounts (which see every item) always."""
    # One prefix match in the database (indexed), then the exact names: the same on SQLite and PostgreSQL.
    roles = {
        name: role
        for name, role in _roles_by_username(User.objects.filter(username__startswith="b")).items()
        if BENCH_USERNAME.match(name)
    }
    if not roles:
        raise RosterError(
            _("There are no `ducha gendata` accounts in this database: generate the province first.")
        )
    rng = random.Random(seed)
    chosen: dict[str, str] = {}
    for role in ROLE_PRIORITY:
        names = sorted(name for name, held in roles.items() if held == role)
        kept = [name for name in names if BENCH_PROVINCE_OFFICE.match(name)]
        rest = [name for name in names if name not in kept]
        for name in kept + rng.sample(rest, min(len(rest), max(per_role - len(kept), 0))):
            chosen[name] = role
    return accounts_file("bench", BENCH_PASSWORD, _sorted(chosen))
