"""What the inspection pages share: the signed-in user, the inspection fetched in scope (404 otherwise), the unit
lists the forms offer, and the action table's shape — a form to read the POST, a call of one service."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from ducha.common.errors import DomainError, NotFound
from ducha.inspections import lifecycle, selectors
from ducha.inspections.lifecycle import ProposalStatus
from ducha.inspections.models import Inspection, PlanProposal
from ducha.orgs.models import Unit, UnitKind, User
from ducha.workbench.forms.fields import cleaned
from ducha.workbench.forms.inspections import AnchorForm


def user_of(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def visible(request: HttpRequest, inspection_id: int, *, record_view: bool = False) -> Inspection:
    """The inspection, if the user may see it; 404 otherwise (the page never says that it exists)."""
    try:
        return selectors.get_inspection_for_user(user_of(request), inspection_id, record_view=record_view)
    except NotFound:
        raise Http404 from None


def names(actions: list[lifecycle.Transition]) -> set[str]:
    return {transition.action for transition in actions}


def units_of(government: Unit) -> list[Unit]:
    """The units an inspection of `government` may name as targets: every active unit under it, general offices
    left out. Only what the target checkboxes show ({% unit_checks %}): a province has thousands of units."""
    return list(
        Unit.objects.filter(path__startswith=government.path, is_active=True)
        .exclude(pk=government.pk)
        .exclude(kind=UnitKind.GENERAL_OFFICE)
        .order_by("path")
        .only("name", "short_name")
    )


def team_options(government: Unit) -> SafeString:
    """The `<option>`s of the staff a team member may be chosen from: every active account under the government,
    with its unit. Read as tuples and joined here (the markup of the template's loop, byte for byte): a province
    has ten thousand accounts, which the template loop took seconds to write (and a query each for the unit)."""
    rows = (
        User.objects.filter(is_active=True, unit__path__startswith=government.path)
        .order_by("unit__path", "id")
        .values_list("id", "full_name", "username", "unit__short_name", "unit__name")
    )
    # html.escape is what Django's escape applies (without its lazy wrapper, which format_html pays per row).
    return mark_safe(  # every value is escaped here
        "".join(
            f'<option value="{pk}">{html.escape(full_name or username)} · {html.escape(short or name)}</option>'
            for pk, full_name, username, short, name in rows
        )
    )


def lead_units(government: Unit) -> list[Unit]:
    return list(
        Unit.objects.filter(
            government=government,
            is_active=True,
            kind__in=[UnitKind.SUPERVISION_OFFICE, UnitKind.GENERAL_OFFICE, UnitKind.DEPARTMENT],
        ).order_by("kind", "sort_order", "id")
    )


def open_plan_entries(government: Unit) -> list[PlanProposal]:
    """Entries of the approved annual plan that no inspection carries out yet."""
    return list(
        PlanProposal.objects.filter(
            plan__government=government,
            plan__status="approved",
            status=ProposalStatus.ACCEPTED,
            inspection__isnull=True,
        ).order_by("start_date", "id")
    )


# --- actions -------------------------------------------------------------------------------------------------------

# run(the form's cleaned data, the subject — an inspection, a plan, or the id of a record —, the user).
Run = Callable[[dict[str, Any], Any, User], Any]


@dataclass(frozen=True)
class Action:
    """One form of the inspection pages: what it reads, and what it does with that (one service call)."""

    form: type[forms.Form]
    run: Run

    def take(self, request: HttpRequest, subject: Any) -> Any:
        """Read the POST with the form, then run: input that cannot be read is refused (invalid input) before
        the service is called, as any refusal of the service itself."""
        form = self.form(request.POST, request.FILES)
        return self.run(cleaned(form), subject, user_of(request))


def simple(service: Callable[..., Any], **arguments: Callable[[dict[str, Any]], Any]) -> Run:
    """Call `service` on the inspection with `arguments` read from the form's data; the message is "Done."."""

    def run(data: dict[str, Any], inspection: Inspection, user: User) -> str:
        service(
            inspection_id=inspection.pk, actor=user, **{name: read(data) for name, read in arguments.items()}
        )
        return _("Done.")

    return run


def anchor(request: HttpRequest) -> str:
    """Where on the detail page to come back to (a form says which section it belongs to)."""
    section: str = cleaned(AnchorForm(request.POST))["anchor"]
    return section


def record_act(
    request: HttpRequest,
    inspection_id: int,
    record_id: int,
    action: str,
    actions: dict[str, Action],
    fetch: Callable[[User, Inspection, int], Any],
    section: str,
) -> HttpResponse:
    """An action on one record of an inspection (a conclusion, a review, a rectification, a result): the
    inspection and the record in scope (404 otherwise), then the action; back to the record on the page."""
    user = user_of(request)
    inspection = visible(request, inspection_id)
    taken = actions.get(action)
    if taken is None:
        raise Http404
    try:
        fetch(user, inspection, record_id)
    except NotFound:
        raise Http404 from None
    try:
        taken.take(request, record_id)
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Done."))
    return redirect(reverse("inspections:detail", args=[inspection_id]) + f"#{section}-{record_id}")
