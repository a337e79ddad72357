"""The 方案 and the team before fieldwork, changes of an approved 方案 (条例 Art. 15), findings and their evidence
stored once by SHA-256 with reused files flagged."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from ducha.audit.models import Event
from ducha.common.errors import InvalidState, ValidationFailed
from ducha.inspections import services
from ducha.inspections.lifecycle import InspectionStatus as S
from ducha.inspections.models import Amendment, EvidenceFile, EvidenceUse, InspectionTarget, TeamMember
from tests.inspections.helpers import advance, inspection_in, make_inspection, photo


def test_submission_needs_a_complete_plan_and_a_team_leader(world):
    inspection = make_inspection(world, team=False)
    office = world.user("office")
    with pytest.raises(InvalidState) as refused:
        services.inspection_submit(inspection_id=inspection.pk, actor=office)
    assert refused.value.code == "inspection_team_leader_required"
    services.inspection_update(inspection_id=inspection.pk, actor=office, method="")
    with pytest.raises(InvalidState) as refused:
        services.inspection_submit(inspection_id=inspection.pk, actor=office)
    assert refused.value.code == "inspection_plan_incomplete"


def test_the_team_has_staff_and_invited_outsiders_and_one_leader(world):
    inspection = make_inspection(world, team=False)
    office = world.user("office")
    members = services.inspection_team_set(
        inspection_id=inspection.pk,
        actor=office,
        members=[
            services.TeamMemberInput(user_id=office.pk, role="leader", is_trained=True, days=5),
            services.TeamMemberInput(name="王代表", role="invited", invited_kind="npc_deputy", days=2),
            services.TeamMemberInput(name="李记者", role="invited", invited_kind="journalist", days=2),
        ],
    )
    assert [(m.name, m.role, m.invited_kind, m.is_trained) for m in members] == [
        ("周督查", "leader", "", True),
        ("王代表", "invited", "npc_deputy", False),
        ("李记者", "invited", "journalist", False),
    ]
    for bad in (
        [
            services.TeamMemberInput(user_id=office.pk, role="leader"),
            services.TeamMemberInput(name="甲", role="leader"),
        ],
        [services.TeamMemberInput(name="丙", role="invited")],  # invited as what?
        [services.TeamMemberInput(user_id=office.pk), services.TeamMemberInput(user_id=office.pk)],
        [services.TeamMemberInput(name="  ")],
    ):
        with pytest.raises(ValidationFailed) as refused:
            services.inspection_team_set(inspection_id=inspection.pk, actor=office, members=bad)
        assert refused.value.code == "inspection_team_member_invalid"
    assert TeamMember.objects.filter(inspection=inspection).count() == 3


def test_fieldwork_starts_only_once_every_team_member_is_trained(world):
    inspection = make_inspection(world)
    office = world.user("office")
    services.inspection_team_set(
        inspection_id=inspection.pk,
        actor=office,
        members=[
            services.TeamMemberInput(user_id=office.pk, role="leader", is_trained=True),
            services.TeamMemberInput(name="张专家", role="invited", invited_kind="expert"),
        ],
    )
    advance(world, inspection, S.APPROVED)
    with pytest.raises(InvalidState) as refused:
        services.inspection_start(inspection_id=inspection.pk, actor=office)
    assert refused.value.code == "inspection_team_not_trained"
    expert = TeamMember.objects.get(inspection=inspection, name="张专家")
    services.inspection_train(inspection_id=inspection.pk, actor=office, member_ids=[expert.pk])
    assert services.inspection_start(inspection_id=inspection.pk, actor=office).status == S.IN_FIELDWORK


def test_fieldwork_does_not_start_without_a_team_leader(world):
    inspection = inspection_in(world, S.APPROVED)
    services.inspection_team_set(
        inspection_id=inspection.pk,
        actor=world.user("office"),
        members=[services.TeamMemberInput(user_id=world.user("office").pk, is_trained=True)],
    )
    with pytest.raises(InvalidState) as refused:
        services.inspection_start(inspection_id=inspection.pk, actor=world.user("office"))
    assert refused.value.code == "inspection_team_leader_required"


def test_the_approved_plan_is_fixed_widening_needs_approval(world):
    inspection = inspection_in(world, S.APPROVED)
    office, leader = world.user("office"), world.user("leader")
    dhz = world.townships["dhz"].pk
    # when the office adds a target
    amendment = services.inspection_amend(
        inspection_id=inspection.pk, actor=office, reason="群众反映东湖镇同类问题", add_target_ids=[dhz]
    )
    # then nothing changes until the leader approves
    assert (amendment.status, amendment.is_widening) == ("pending", True)
    assert set(inspection.targets.values_list("unit_id", flat=True)) == {world.townships["cgz"].pk}
    with pytest.raises(InvalidState) as refused:
        services.inspection_amend(inspection_id=inspection.pk, actor=office, reason="再改", scope="全县")
    assert refused.value.code == "amendment_pending"
    with pytest.raises(InvalidState) as refused:
        services.inspection_start(inspection_id=inspection.pk, actor=office)
    assert refused.value.code == "amendment_pending"
    services.inspection_amendment_decide(inspection_id=inspection.pk, actor=leader, approve=True)
    assert set(inspection.targets.values_list("unit_id", flat=True)) == {world.townships["cgz"].pk, dhz}
    # an announced inspection's new target is told at once
    assert InspectionTarget.objects.get(inspection=inspection, unit_id=dhz).notified_at is not None


def test_a_rejected_widening_changes_nothing_and_needs_a_reason(world):
    inspection = inspection_in(world, S.IN_FIELDWORK)
    services.inspection_amend(
        inspection_id=inspection.pk, actor=world.user("office"), reason="扩大", scope="全县所有项目"
    )
    with pytest.raises(ValidationFailed):
        services.inspection_amendment_decide(
            inspection_id=inspection.pk, actor=world.user("leader"), approve=False
        )
    services.inspection_amendment_decide(
        inspection_id=inspection.pk, actor=world.user("leader"), approve=False, comment="超出立项范围"
    )
    inspection.refresh_from_db()
    assert inspection.scope == "2026年度老旧小区改造项目。"
    assert Amendment.objects.get(inspection=inspection).status == "rejected"


def test_narrowing_applies_at_once(world):
    inspection = inspection_in(world, S.APPROVED, targets=("cgz", "dhz"))
    amendment = services.inspection_amend(
        inspection_id=inspection.pk,
        actor=world.user("office"),
        reason="东湖镇已由市里检查",
        remove_target_ids=[world.townships["dhz"].pk],
        end_date=inspection.end_date - datetime.timedelta(days=2),
    )
    assert (amendment.status, amendment.is_widening) == ("applied", False)
    inspection.refresh_from_db()
    assert list(inspection.targets.values_list("unit_id", flat=True)) == [world.townships["cgz"].pk]


def test_an_empty_change_is_refused(world):
    inspection = inspection_in(world, S.APPROVED)
    with pytest.raises(ValidationFailed) as refused:
        services.inspection_amend(inspection_id=inspection.pk, actor=world.user("office"), reason="无")
    assert refused.value.code == "amendment_empty"


# --- findings ------------------------------------------------------------------------------------------------------


def test_a_finding_concerns_a_target_and_says_how_it_is_rectified(world):
    inspection = inspection_in(world, S.IN_FIELDWORK)
    zjj = world.user("zjj")  # a team member
    finding = services.finding_add(
        inspection_id=inspection.pk,
        actor=zjj,
        target_id=world.townships["cgz"].pk,
        title="消防通道被占用",
        description="幸福小区消防通道堆放杂物。",
        place="幸福小区3号楼",
        observed_at=timezone.now(),
        rectification_kind="immediate",
        is_rebound_prone=True,
    )
    assert (finding.recorded_by, finding.rectification_due_date, finding.is_rebound_prone) == (
        zjj,
        None,
        True,
    )
    with pytest.raises(ValidationFailed) as refused:
        services.finding_add(
            inspection_id=inspection.pk,
            actor=zjj,
            target_id=world.townships["dhz"].pk,
            title="x",
            description="y",
        )
    assert refused.value.code == "finding_target_invalid"
    with pytest.raises(ValidationFailed) as refused:
        services.finding_add(
            inspection_id=inspection.pk,
            actor=zjj,
            target_id=world.townships["cgz"].pk,
            title="x",
            description="y",
            rectification_kind="long_term",
        )
    assert refused.value.code == "finding_due_date_required"


# --- evidence: stored once, reuse flagged ----------------------------------------------------------------------


@pytest.fixture
def two_findings(world):
    inspection = inspection_in(world, S.IN_FIELDWORK, targets=("cgz", "dhz"))
    office = world.user("office")
    return inspection, [
        services.finding_add(
            inspection_id=inspection.pk,
            actor=office,
            target_id=world.townships[code].pk,
            title=f"{code}问题",
            description="描述",
        )
        for code in ("cgz", "dhz")
    ]


def test_each_file_is_stored_once_by_its_hash(world, two_findings):
    inspection, (first, _second) = two_findings
    office = world.user("office")
    a = services.finding_evidence_add(
        inspection_id=inspection.pk, finding_id=first.pk, actor=office, upload=photo(b"one")
    )
    again = services.finding_evidence_add(
        inspection_id=inspection.pk, finding_id=first.pk, actor=office, upload=photo(b"one", "copy.jpg")
    )
    b = services.finding_evidence_add(
        inspection_id=inspection.pk, finding_id=first.pk, actor=office, upload=photo(b"two")
    )
    assert again.pk == a.pk  # the same file for the same finding is one use
    assert EvidenceFile.objects.count() == 2
    assert len(a.file.sha256) == 64 and a.file.sha256 != b.file.sha256
    assert not a.is_flagged and not b.is_flagged


def test_the_same_photo_for_two_findings_at_two_targets_is_flagged(world, two_findings, api):
    inspection, (first, second) = two_findings
    office = world.user("office")
    # given a photo used for 城关镇's finding
    original = services.finding_evidence_add(
        inspection_id=inspection.pk,
        finding_id=first.pk,
        actor=office,
        upload=photo(b"the same site photo"),
        kind="photo",
    )
    # when the same photo is submitted for 东湖镇's finding
    reused = services.finding_evidence_add(
        inspection_id=inspection.pk,
        finding_id=second.pk,
        actor=world.user("zjj"),
        upload=photo(b"the same site photo", "other.jpg"),
        kind="photo",
    )
    # then it is stored once and both uses are flagged, with an audit event naming the other use
    assert reused.file_id == original.file_id
    assert EvidenceFile.objects.filter(sha256=reused.file.sha256).count() == 1
    assert set(EvidenceUse.objects.filter(file=reused.file).values_list("is_flagged", flat=True)) == {True}
    event = Event.objects.get(subject_id=inspection.pk, event_type="inspection_evidence_reused")
    assert event.new["also_used_by"] == [
        {"inspection": inspection.pk, "finding": first.pk, "rectification": None, "review_request": None}
    ]
    # and the API shows the flag
    findings = api("office").get(f"/inspections/{inspection.pk}/findings").json()
    assert [[e["is_flagged"] for e in f["evidence"]] for f in findings] == [[True], [True]]


def test_a_fieldwork_photo_used_again_as_proof_of_rectification_is_flagged(world):
    inspection = inspection_in(world, S.IN_FIELDWORK)
    office = world.user("office")
    finding = services.finding_add(
        inspection_id=inspection.pk,
        actor=office,
        target_id=world.townships["cgz"].pk,
        title="垃圾堆放",
        description="描述",
    )
    services.finding_evidence_add(
        inspection_id=inspection.pk, finding_id=finding.pk, actor=office, upload=photo(b"before")
    )
    advance(world, inspection, S.RECTIFYING, finding=False)
    rectification = finding.rectification
    use = services.rectification_evidence_add(
        rectification_id=rectification.pk, actor=world.user("cgz"), upload=photo(b"before")
    )
    assert use.is_flagged
    fresh = services.rectification_evidence_add(
        rectification_id=rectification.pk, actor=world.user("cgz"), upload=photo(b"after")
    )
    assert not fresh.is_flagged


def test_the_same_photo_in_two_inspections_is_flagged_in_both(world):
    office = world.user("office")
    ids = []
    for code in ("cgz", "dhz"):
        inspection = inspection_in(world, S.IN_FIELDWORK, targets=(code,), topic=f"{code}检查")
        finding = services.finding_add(
            inspection_id=inspection.pk,
            actor=office,
            target_id=world.townships[code].pk,
            title="问题",
            description="描述",
        )
        services.finding_evidence_add(
            inspection_id=inspection.pk, finding_id=finding.pk, actor=office, upload=photo(b"shared")
        )
        ids.append(inspection.pk)
    assert EvidenceUse.objects.filter(inspection_id__in=ids, is_flagged=True).count() == 2
    assert Event.objects.filter(subject_id=ids[0], event_type="inspection_evidence_reused").exists()


def test_evidence_types_and_sizes_are_checked(world, two_findings, settings):
    inspection, (first, _second) = two_findings
    with pytest.raises(ValidationFailed) as refused:
        services.finding_evidence_add(
            inspection_id=inspection.pk,
            finding_id=first.pk,
            actor=world.user("office"),
            upload=photo(b"x", "run.exe"),
        )
    assert refused.value.code == "attachment_type_not_allowed"
    settings.DUCHA_ATTACHMENT_MAX_BYTES = 3
    with pytest.raises(ValidationFailed) as refused:
        services.finding_evidence_add(
            inspection_id=inspection.pk,
            finding_id=first.pk,
            actor=world.user("office"),
            upload=photo(b"four"),
        )
    assert refused.value.code == "attachment_too_large"
