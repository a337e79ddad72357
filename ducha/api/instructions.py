"""领导批示 and 责任领导: thin endpoints over ducha.items.services.instructions (scope first: an item out of the
caller's scope is not found whatever the action)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from ducha.api.base import ERRORS, actor
from ducha.api.items import item_out
from ducha.api.schemas import InstructionIn, InstructionOut, ItemOut, LeaderIn
from ducha.api.shapes import user_ref
from ducha.items import selectors, services
from ducha.items.models import Instruction
from ducha.items.services.instructions import item_instructions

router = Router(tags=["items"])


def instruction_out(instruction: Instruction) -> dict:
    return {
        "id": instruction.pk,
        "text": instruction.text,
        "author": user_ref(instruction.author),
        "report": instruction.report_id,
        "created_at": instruction.created_at,
    }


@router.get(
    "/items/{item_id}/instructions",
    response={200: list[InstructionOut], **ERRORS},
    summary="领导批示列表",
    operation_id="ducha_api_items_instructions_list",
)
def instruction_list(request: HttpRequest, item_id: int) -> list[dict]:
    """The item's instructions, newest first."""
    item = selectors.get_item_for_user(actor(request), item_id)
    return [instruction_out(instruction) for instruction in item_instructions(item)]


@router.post(
    "/items/{item_id}/instructions",
    response={201: InstructionOut, **ERRORS},
    summary="领导批示（事项或报告）",
    operation_id="ducha_api_items_instruction_write",
)
def instruction_write(request: HttpRequest, item_id: int, payload: InstructionIn) -> Status[dict]:
    """A leader of the item's government (or one above it) writes an instruction on the item, or on one of its
    reports (`report`)."""
    selectors.get_item_for_user(actor(request), item_id, record_view=False)
    instruction = services.item_instruction_write(
        item_id=item_id, actor=actor(request), text=payload.text, report_id=payload.report
    )
    return Status(201, instruction_out(Instruction.objects.select_related("author").get(pk=instruction.pk)))


@router.post(
    "/items/{item_id}/leader",
    response={200: ItemOut, **ERRORS},
    summary="设置责任领导",
    operation_id="ducha_api_items_leader_set",
)
def leader_set(request: HttpRequest, item_id: int, payload: LeaderIn) -> dict:
    """The office names (or, with null, clears) the leader in charge."""
    selectors.get_item_for_user(actor(request), item_id, record_view=False)
    services.item_leader_set(item_id=item_id, actor=actor(request), leader_id=payload.leader)
    return item_out(selectors.get_item_for_user(actor(request), item_id, record_view=False))
