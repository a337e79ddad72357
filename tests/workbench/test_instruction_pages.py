"""The item page's 批示 section, the item form's new fields and limits, and the leader's approval list."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from ducha.common import error_codes as codes
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Attachment, Instruction, Item
from tests.helpers import item_in

pytestmark = pytest.mark.django_db


def _client(world, username: str) -> Client:
    client = Client()
    client.force_login(world.user(username))
    return client


def test_leader_sees_the_form_and_writes_an_instruction(world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    leader = _client(world, "leader")
    page = leader.get(reverse("item-detail", args=[item.pk]))
    assert 'id="instruction-form"' in page.content.decode()
    response = leader.post(
        reverse("item-instruction-write", args=[item.pk]), {"instruction-text": "抓紧推进。"}
    )
    assert response.status_code == 302
    assert Instruction.objects.get(item=item).text == "抓紧推进。"
    unit_page = _client(world, "fgw").get(reverse("item-detail", args=[item.pk])).content.decode()
    assert "抓紧推进。" in unit_page
    assert 'id="instruction-form"' not in unit_page


def test_a_unit_posting_an_instruction_is_refused_and_nothing_changes(world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    response = _client(world, "fgw").post(
        reverse("item-instruction-write", args=[item.pk]), {"instruction-text": "同意"}
    )
    assert response.status_code == 403
    assert not Instruction.objects.exists()


def test_an_empty_instruction_keeps_the_form_with_the_error(world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    response = _client(world, "leader").post(
        reverse("item-instruction-write", args=[item.pk]), {"instruction-text": ""}
    )
    assert response.status_code == 400
    assert f'data-error-code="{codes.INSTRUCTION_EMPTY}"' in response.content.decode()
    assert not Instruction.objects.exists()


def _form_data(world, **extra) -> dict:
    return {
        "title": "防汛物资储备检查",
        "source_type": "leader_instruction",
        "approval_basis": "office_proposal",
        "lead_unit": world.departments["fgw"].pk,
        "urgency": "normal",
        "confidentiality": "internal",
        "deadline_basis": "workdays",
        "co-TOTAL_FORMS": "0",
        "co-INITIAL_FORMS": "0",
        "ms-TOTAL_FORMS": "0",
        "ms-INITIAL_FORMS": "0",
        "intent": "draft",
        **extra,
    }


def test_item_form_creates_with_leader_flags_and_document(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    office = _client(world, "office")
    form = office.get(reverse("item-create")).content.decode()
    assert 'name="leader_in_charge"' in form and 'name="site_check_required"' in form
    assert 'maxlength="5000"' in form
    response = office.post(
        reverse("item-create"),
        _form_data(
            world,
            leader_in_charge=world.user("leader").pk,
            is_complex="on",
            progress_cycle="daily",
            attachment=SimpleUploadedFile("批示件.pdf", b"%PDF-1.4", content_type="application/pdf"),
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    item = Item.objects.get(title="防汛物资储备检查")
    assert (
        item.leader_in_charge == world.user("leader") and item.is_complex and item.progress_cycle == "daily"
    )
    assert Attachment.objects.get(item=item).original_name == "批示件.pdf"


def test_item_form_refuses_a_120000_character_content(world):
    count = Item.objects.count()
    response = _client(world, "office").post(
        reverse("item-create"), _form_data(world, content="内" * 120_000)
    )
    assert response.status_code == 400
    assert f'data-error-code="{codes.TEXT_TOO_LONG}"' in response.content.decode()
    assert Item.objects.count() == count


def test_the_leaders_approval_list_shows_source_and_submitter(world):
    item = item_in(world, ItemStatus.PENDING_APPROVAL)
    page = _client(world, "leader").get(reverse("home")).content.decode()
    section = page[page.index('id="todo-approval"') :]
    assert item.title in section
    assert item.source_reference in section
    assert world.user("office").display_name in section
    assert "approval-table" in section


def test_the_office_sets_the_leader_in_charge_on_the_item_page(world):
    from django.test import Client

    from ducha.audit.models import Event, EventType
    from ducha.items.lifecycle import ItemStatus
    from ducha.items.models import Item
    from tests.helpers import item_in

    item = item_in(world, ItemStatus.IN_PROGRESS)
    office, fgw = Client(), Client()
    office.force_login(world.user("office"))
    fgw.force_login(world.user("fgw"))
    url = f"/items/{item.pk}/"
    assert 'id="leader-form"' in office.get(url).content.decode()
    assert 'id="leader-form"' not in fgw.get(url).content.decode()  # a unit does not name the leader

    leader = world.user("county_head")
    response = office.post(f"/items/{item.pk}/leader/", {"leader-leader": leader.pk})
    assert response.status_code == 302
    assert Item.objects.get(pk=item.pk).leader_in_charge == leader
    assert Event.objects.filter(subject_id=item.pk, event_type=EventType.ITEM_LEADER_SET).count() == 1

    # refused: a unit user (403) and someone who is no leader (400), nothing changed
    assert (
        fgw.post(f"/items/{item.pk}/leader/", {"leader-leader": world.user("leader").pk}).status_code == 403
    )
    refused = office.post(f"/items/{item.pk}/leader/", {"leader-leader": world.user("fgw").pk})
    assert refused.status_code == 400
    assert Item.objects.get(pk=item.pk).leader_in_charge == leader
    assert Event.objects.filter(subject_id=item.pk, event_type=EventType.ITEM_LEADER_SET).count() == 1
