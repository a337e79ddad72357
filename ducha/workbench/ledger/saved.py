"""A user's saved ledger filters (SavedFilter): the canonical query string of the ledger page under a name."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.http import QueryDict
from django.utils.translation import gettext as _

from ducha.items.selectors import MAX_ID
from ducha.orgs.models import User
from ducha.workbench.ledger.filters import parse_filter
from ducha.workbench.models import SavedFilter
from ducha.workbench.prepared import PreparedQuery

SAVED_FILTERS_MAX = 50
SAVED_FILTER_NAME_MAX = 50


class SavedFilterError(ValueError):
    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)

    @property
    def message(self) -> str:
        messages = {
            "name_required": _("Please give the filter a name."),
            "name_too_long": _("A filter name may have at most %(max)d characters.")
            % {"max": SAVED_FILTER_NAME_MAX},
            "too_many": _("You may keep at most %(max)d saved filters; delete one first.")
            % {"max": SAVED_FILTERS_MAX},
        }
        return messages.get(self.code, self.code)


@dataclass(frozen=True)
class SavedFilterLink:
    """What the ledger page shows of a saved filter."""

    pk: int
    name: str
    query: str


# Read on every ledger page: compiled once per process (workbench/prepared.py).
_SAVED = PreparedQuery(
    lambda user_id: (
        SavedFilter.objects.filter(user_id=user_id).order_by("name", "id").values_list("id", "name", "query")
    )
)


def saved_filters_for_user(user: User) -> list[SavedFilterLink]:
    return [SavedFilterLink(*row) for row in _SAVED.rows(user.pk)]


def canonical_query(query: str) -> str:
    """The saved form of a ledger query string: parsed and re-encoded, so nothing invalid is stored."""
    spec, _notices = parse_filter(QueryDict(query[:4000]))
    return spec.querystring


@transaction.atomic
def saved_filter_save(*, user: User, name: str, query: str) -> SavedFilter:
    """Save the current ledger filter under `name` for `user`; the same name again replaces it."""
    name = " ".join((name or "").split())
    if not name:
        raise SavedFilterError("name_required")
    if len(name) > SAVED_FILTER_NAME_MAX:
        raise SavedFilterError("name_too_long")
    exists = SavedFilter.objects.filter(user=user, name=name).exists()
    if not exists and SavedFilter.objects.filter(user=user).count() >= SAVED_FILTERS_MAX:
        raise SavedFilterError("too_many")
    saved, _created = SavedFilter.objects.update_or_create(
        user=user, name=name, defaults={"query": canonical_query(query)}
    )
    return saved


def saved_filter_delete(*, user: User, filter_id: int) -> bool:
    """Delete one of the user's own saved filters; False when there is no such filter of theirs."""
    if not 1 <= filter_id <= MAX_ID:
        return False
    deleted, _details = SavedFilter.objects.filter(user=user, pk=filter_id).delete()
    return deleted > 0
