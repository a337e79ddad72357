"""Actions with outcomes (审核: 通过审核 / 退回重办; 延期审批: 同意 / 不同意): one submit button per outcome says
what will happen, and the message afterwards says what was done. No script is needed: the pressed button sends
the outcome."""

from __future__ import annotations

import re

from django.contrib.messages import get_messages
from django.utils.translation import pgettext

from ducha.items.lifecycle import ItemStatus
from ducha.items.models import ExtensionStatus, Item
from tests.helpers import item_in

CHECKS = {
    name: "on" for name in ("task_completed", "problem_solved", "conclusion_appropriate", "lawful_compliant")
}


def panel_of(html: str, action: str) -> str:
    start = html.index(f'id="action-{action}"')
    return html[start : html.index("</section>", start)]


def post(client, item, action, **fields):
    data = {f"{action}-{name}": value for name, value in fields.items()}
    return client.post(f"/items/{item.pk}/act/{action}/", data)


def flashes(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_review_panel_has_a_button_per_outcome_and_no_outcome_radio(browser, world):
    item = item_in(world, ItemStatus.UNDER_REVIEW)
    panel = panel_of(browser("office").get(f"/items/{item.pk}/").content.decode(), "review")

    buttons = re.findall(
        r'<button type="submit" name="review-decision" value="(\w+)"[^>]*>([^<]+)</button>', panel
    )
    assert buttons == [
        ("accept", pgettext("review button", "Accept")),
        ("return", pgettext("review button", "Return to be redone")),
    ]
    assert 'type="radio"' not in panel  # the outcome is the button pressed, not a radio the label ignores
    assert 'data-outcome="return"' in panel and "btn danger" in panel


def test_accepting_says_it_was_accepted(browser, world):
    item = item_in(world, ItemStatus.UNDER_REVIEW)
    response = post(browser("office"), item, "review", decision="accept", opinion="同意办结", **CHECKS)

    assert response.status_code == 302
    assert Item.objects.get(pk=item.pk).status == ItemStatus.ACCEPTED
    assert flashes(response) == [pgettext("review done", "Accepted.")]


def test_returning_says_it_was_returned(browser, world):
    item = item_in(world, ItemStatus.UNDER_REVIEW)
    response = post(browser("office"), item, "review", decision="return", opinion="满意度未说明")

    assert response.status_code == 302
    assert Item.objects.get(pk=item.pk).status == ItemStatus.IN_PROGRESS
    assert flashes(response) == [pgettext("review done", "Returned to be redone.")]


def test_a_review_without_an_outcome_is_refused_and_changes_nothing(browser, world):
    item = item_in(world, ItemStatus.UNDER_REVIEW)
    before = Item.objects.values().get(pk=item.pk)

    response = post(browser("office"), item, "review", opinion="同意办结", **CHECKS)

    assert response.status_code == 400
    assert Item.objects.values().get(pk=item.pk) == before
    assert item.reviews.count() == 0


def test_an_extension_decision_has_a_button_per_outcome_and_says_what_was_done(browser, world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    proposed = item.due_date.replace(year=item.due_date.year + 1)
    post(browser("fgw"), item, "extension_request", reason="用地审批未完成", proposed_due_date=proposed)
    office = browser("office")
    panel = panel_of(office.get(f"/items/{item.pk}/").content.decode(), "extension_decide")
    assert re.findall(r'name="extension_decide-decision" value="(\w+)"', panel) == ["grant", "refuse"]
    assert pgettext("extension button", "Refuse the extension") in panel

    response = post(office, item, "extension_decide", decision="refuse", comment="理由不充分", due_date="")

    assert response.status_code == 302
    assert item.extensions.get().status == ExtensionStatus.REFUSED
    assert flashes(response) == [pgettext("extension done", "The extension is refused.")]


def test_actions_without_outcomes_keep_the_done_message(browser, world):
    item = item_in(world, ItemStatus.ASSIGNED)
    response = post(browser("fgw"), item, "sign")
    assert response.status_code == 302
    assert len(flashes(response)) == 1 and pgettext("review done", "Accepted.") not in flashes(response)
