"""Batch actions from the lists (to-do list, ledger, a source record's page): one POST endpoint per action,
`items/batch/<action>/`. The ticked items go through the batch service (each through its own single-item service);
the result comes back as a message on the page the user came from — how many were done and, per refused item,
why. Works without JavaScript: the checkboxes belong to the form by their `form` attribute."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from ducha.common import error_codes as codes
from ducha.common.errors import DomainError
from ducha.items import services
from ducha.items.models import Item
from ducha.items.services import BatchResult
from ducha.orgs.models import User
from ducha.reminders.services import items_batch_chase
from ducha.workbench.forms.fields import cleaned
from ducha.workbench.forms.sources import BatchForm
from ducha.workbench.views.items.base import user_of

Run = Callable[[User, dict], BatchResult]

BATCH_ACTIONS: dict[str, Run] = {
    "submit": lambda u, d: services.items_batch_submit(actor=u, item_ids=d["items"]),
    "approve": lambda u, d: services.items_batch_approve(actor=u, item_ids=d["items"], comment=d["comment"]),
    "assign": lambda u, d: services.items_batch_assign(
        actor=u, item_ids=d["items"], due_date=d["due_date"], deadline_workdays=d["deadline_workdays"]
    ),
    "sign": lambda u, d: services.items_batch_sign(actor=u, item_ids=d["items"]),
    "chase": lambda u, d: items_batch_chase(actor=u, item_ids=d["items"], text=d["text"]),
}


def _back(request: HttpRequest, target: str) -> str:
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


def _refusal_lines(result: BatchResult) -> list[str]:
    # Only items in the user's scope are named (the batch refuses the others as not found, by their id alone).
    in_scope = [r.item_id for r in result.refused if r.code != codes.NOT_FOUND]
    names = {
        pk: number or title
        for pk, number, title in Item.objects.filter(pk__in=in_scope).values_list("pk", "number", "title")
    }
    return [f"{names.get(r.item_id, r.item_id)}：{r.message}" for r in result.refused]


@login_required
@require_POST
def items_batch(request: HttpRequest, action: str) -> HttpResponse:
    run = BATCH_ACTIONS.get(action)
    if run is None:
        raise Http404
    user = user_of(request)
    back = _back(request, request.POST.get("next", ""))
    try:
        result = run(user, cleaned(BatchForm(request.POST)))
    except DomainError as error:
        # The whole batch refused (none ticked, too many, a wrong date): nothing was done.
        messages.error(request, f"{error.message}（{error.code}）")
        return redirect(back)
    if result.done:
        messages.success(
            request,
            ngettext("Done on %(count)d item.", "Done on %(count)d items.", len(result.done))
            % {"count": len(result.done)},
        )
    if result.refused:
        # Names come from the items the user ticked; a refused one out of scope shows by its id only.
        lines = _refusal_lines(result)
        messages.warning(
            request,
            ngettext("%(count)d item was not done: ", "%(count)d items were not done: ", len(lines))
            % {"count": len(lines)}
            + "；".join(lines),
        )
    return redirect(back)


urlpatterns = [path("items/batch/<str:action>/", items_batch, name="items-batch")]
