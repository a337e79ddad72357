"""What the item pages share: the signed-in user, the item fetched in scope (404 otherwise), the user's
government."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from ducha.common.errors import NotFound
from ducha.items import selectors
from ducha.items.models import Item
from ducha.orgs.models import Unit, User

# The `context` an htmx form of the to-do list sends: the answer is the updated row, not the item page.
HTMX_TODO = "todo"


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))  # set by django_htmx's middleware


def user_of(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def item_or_404(user: User, item_id: int, *, record_view: bool = True) -> Item:
    try:
        return selectors.get_item_for_user(user, item_id, record_view=record_view)
    except NotFound:
        raise Http404 from None


def government_for(user: User) -> Unit:
    if user.unit is None or user.unit.government is None:
        raise PermissionDenied
    return user.unit.government
