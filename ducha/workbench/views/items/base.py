"""What the item pages share: the signed-in user, the item fetched in scope (404 otherwise), the user's
government."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.functional import LazyObject, empty

from ducha.common.errors import NotFound
from ducha.items import selectors
from ducha.items.models import Item
from ducha.orgs.models import Unit, User

# The `context` an htmx form of the to-do list sends: the answer is the updated row, not the item page.
HTMX_TODO = "todo"


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))  # set by django_htmx's middleware


def user_of(request: HttpRequest) -> User:
    """The signed-in user itself, not the lazy stand-in the authentication middleware puts on the request: every
    attribute read through the stand-in goes through a Python-level proxy, and the lifecycle's checks and the
    templates read the user's roles and unit hundreds of times a page. (django-otp wraps the middleware's stand-in
    in one of its own: both are unwrapped.)"""
    user: object = request.user
    while isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        user = user._wrapped
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
