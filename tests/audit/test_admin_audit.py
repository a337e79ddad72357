"""Writes through the Django admin — people, roles, units, rules, tokens — are audited like any other write: who,
when, what it was and what it became; a password's hash never reaches the log."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from ducha.audit.models import Event, EventType
from ducha.inspections.models import InspectionRules
from ducha.items.models import DeadlineRule
from ducha.orgs.models import ApiToken, RoleGrant, Unit, User
from ducha.orgs.services import token_issue
from ducha.reminders.models import ReminderRule


@pytest.fixture
def admin_site(client, world):
    client.force_login(world.user("admin"))
    return client


def events(event_type: str, subject_type: str, subject_id: int) -> list[Event]:
    return list(
        Event.objects.filter(
            event_type=event_type, subject_type=subject_type, subject_id=subject_id
        ).order_by("id")
    )


def user_form(user, **changes) -> dict:
    """The admin's change form for a user, as the browser sends it (with the role grants inline). The form shows
    the joining time to the second: the stored one is made so first, or every save would change it."""
    User.objects.filter(pk=user.pk).update(date_joined=user.date_joined.replace(microsecond=0))
    user.refresh_from_db()
    joined = timezone.localtime(user.date_joined)
    grants = list(RoleGrant.objects.filter(user=user).order_by("pk"))
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
        "is_superuser": "on" if user.is_superuser else "",
        "full_name": user.full_name,
        "unit": user.unit_id or "",
        "title": user.title,
        "phone": user.phone,
        "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
        "initial-date_joined_0": joined.strftime("%Y-%m-%d"),
        "initial-date_joined_1": joined.strftime("%H:%M:%S"),
        "role_grants-TOTAL_FORMS": str(len(grants)),
        "role_grants-INITIAL_FORMS": str(len(grants)),
        "role_grants-MIN_NUM_FORMS": "0",
        "role_grants-MAX_NUM_FORMS": "1000",
    }
    for index, grant in enumerate(grants):
        data[f"role_grants-{index}-id"] = str(grant.pk)
        data[f"role_grants-{index}-user"] = str(user.pk)
        data[f"role_grants-{index}-role"] = grant.role
    data.update(changes)
    return data


def test_granting_a_role_is_audited_with_the_roles_before_and_after(admin_site, world):
    user = world.user("fgw")
    assert set(user.roles) == {"handler"}
    form = user_form(user)
    form.update(
        {
            "role_grants-TOTAL_FORMS": "2",
            "role_grants-1-id": "",
            "role_grants-1-user": str(user.pk),
            "role_grants-1-role": "unit_head",
        }
    )

    response = admin_site.post(reverse("admin:orgs_user_change", args=[user.pk]), form)

    assert response.status_code == 302, response.content.decode()[:3000]
    [event] = events(EventType.ADMIN_CHANGED, "orgs.user", user.pk)
    assert event.actor == world.user("admin")
    assert [grant["role"] for grant in event.old["rolegrant"]] == ["handler"]
    assert [grant["role"] for grant in event.new["rolegrant"]] == ["handler", "unit_head"]
    assert set(event.new) == {"rolegrant"}  # only what changed


def test_a_form_saved_without_a_change_writes_nothing(admin_site, world):
    user = world.user("fgw")

    response = admin_site.post(reverse("admin:orgs_user_change", args=[user.pk]), user_form(user))

    assert response.status_code == 302
    assert events(EventType.ADMIN_CHANGED, "orgs.user", user.pk) == []


def test_a_phone_changed_in_the_admin_is_audited_as_a_digest_never_the_number(admin_site, world):
    user = world.user("fgw")
    User.objects.filter(pk=user.pk).update(phone="13800001111")
    user.refresh_from_db()

    response = admin_site.post(
        reverse("admin:orgs_user_change", args=[user.pk]), user_form(user, phone="13922223333")
    )

    assert response.status_code == 302
    [event] = events(EventType.ADMIN_CHANGED, "orgs.user", user.pk)
    logged = str(event.old) + str(event.new) + event.comment
    assert "13800001111" not in logged and "13922223333" not in logged
    assert event.old["phone"].startswith("sealed:") and event.new["phone"].startswith("sealed:")
    assert event.old["phone"] != event.new["phone"]


def test_a_password_set_by_the_administrator_is_audited_without_the_hash(admin_site, world):
    user = world.user("jyj")
    old_hash = user.password

    response = admin_site.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": "Another#Pass2026", "password2": "Another#Pass2026", "usable_password": "true"},
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    [event] = events(EventType.ADMIN_CHANGED, "orgs.user", user.pk)
    user.refresh_from_db()
    assert user.password != old_hash
    assert "password" in event.comment.lower() or "密码" in event.comment
    assert old_hash not in str(event.old) + str(event.new) + event.comment
    assert user.password not in str(event.old) + str(event.new) + event.comment


def test_a_unit_created_in_the_admin_is_audited(admin_site, world):
    response = admin_site.post(
        reverse("admin:orgs_unit_add"),
        {
            "name": "示范县信访局",
            "short_name": "信访局",
            "level": "county",
            "kind": "department",
            "parent": world.county.pk,
            "sort_order": "0",
            "is_active": "on",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    unit = Unit.objects.get(name="示范县信访局")
    [event] = events(EventType.ADMIN_CREATED, "orgs.unit", unit.pk)
    assert event.new["name"] == "示范县信访局" and event.new["parent"] == world.county.pk
    assert event.actor == world.user("admin")


def test_a_rule_edited_in_the_list_is_audited(admin_site):
    rule = ReminderRule.objects.order_by("pk").first()
    assert rule is not None
    rules = list(ReminderRule.objects.order_by("pk"))
    data = {
        "form-TOTAL_FORMS": str(len(rules)),
        "form-INITIAL_FORMS": str(len(rules)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "_save": "保存",
    }
    for index, each in enumerate(rules):
        data[f"form-{index}-id"] = str(each.pk)
        data[f"form-{index}-offset_workdays"] = str(
            each.offset_workdays + 2 if each.pk == rule.pk else each.offset_workdays
        )
        data[f"form-{index}-offset_hours"] = str(each.offset_hours)
        data[f"form-{index}-is_active"] = "on" if each.is_active else ""

    response = admin_site.post(reverse("admin:reminders_reminderrule_changelist") + "?all=", data)

    assert response.status_code == 302, response.content.decode()[:3000]
    [event] = events(EventType.ADMIN_CHANGED, "reminders.reminderrule", rule.pk)
    assert (event.old, event.new) == (
        {"offset_workdays": rule.offset_workdays},
        {"offset_workdays": rule.offset_workdays + 2},
    )
    assert (
        Event.objects.filter(event_type=EventType.ADMIN_CHANGED).count() == 1
    )  # the untouched rows: nothing


def test_a_rule_deleted_in_the_admin_keeps_its_values_in_the_log(admin_site):
    rule = DeadlineRule.objects.create(source_type="leader_instruction", urgency="urgent", workdays=5)

    response = admin_site.post(
        reverse("admin:items_deadlinerule_changelist"),
        {"action": "delete_selected", "_selected_action": [rule.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert not DeadlineRule.objects.filter(pk=rule.pk).exists()
    [event] = events(EventType.ADMIN_DELETED, "items.deadlinerule", rule.pk)
    assert event.old == {"source_type": "leader_instruction", "urgency": "urgent", "workdays": 5}


def test_deactivating_a_token_is_audited_and_the_digest_never_copied(admin_site, world):
    token_issue(user=world.user("office"))
    token = ApiToken.objects.get(user=world.user("office"))

    response = admin_site.post(
        reverse("admin:orgs_apitoken_change", args=[token.pk]), {"name": token.name, "is_active": ""}
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    [event] = events(EventType.ADMIN_CHANGED, "orgs.apitoken", token.pk)
    assert (event.old, event.new) == ({"is_active": True}, {"is_active": False})
    assert token.digest not in str(
        Event.objects.filter(subject_type="orgs.apitoken").values_list("old", "new")
    )


def test_an_inspection_rule_changed_in_the_admin_is_audited(admin_site, world):
    rules = InspectionRules.objects.create(government=world.county, cap_inspections=12)
    data = {
        field.name: field.value_from_object(rules)
        for field in InspectionRules._meta.concrete_fields
        if field.editable and not field.primary_key and field.name not in ("created_at", "updated_at")
    }
    data = {name: ("" if value is None else value) for name, value in data.items()}
    data["government"] = world.county.pk
    data["cap_inspections"] = 8

    response = admin_site.post(reverse("admin:inspections_inspectionrules_change", args=[rules.pk]), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    [event] = events(EventType.ADMIN_CHANGED, "inspections.inspectionrules", rules.pk)
    assert (event.old, event.new) == ({"cap_inspections": 12}, {"cap_inspections": 8})


def test_a_document_profile_changed_in_the_admin_is_audited_and_issued_documents_are_read_only(
    admin_site, world
):
    from ducha.documents.models import Document
    from ducha.documents.services import profile_for

    profile = profile_for(world.county)
    response = admin_site.post(
        reverse("admin:documents_documentprofile_change", args=[profile.pk]),
        {
            "government": world.county.pk,
            "issuer": profile.issuer,
            "mark": profile.mark,
            "code": "示县督",
            "contact_name": "王明",
            "contact_phone": "0931-1234567",
        },
    )

    assert response.status_code == 302, response.content[:2000]
    [event] = events(EventType.ADMIN_CHANGED, "documents.documentprofile", profile.pk)
    assert event.old["code"] == "示范县督" and event.new["code"] == "示县督"
    # Issued documents are frozen: the admin lists them but cannot add, change or delete one.
    assert admin_site.get(reverse("admin:documents_document_changelist")).status_code == 200
    assert admin_site.get(reverse("admin:documents_document_add")).status_code == 403
    assert not Document.objects.exists()
