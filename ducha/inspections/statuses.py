"""The statuses of an inspection and of the records in it: the annual plan and its proposals, a conclusion, a
review request, a rectification, a result proposal. The models store them; ducha.inspections.lifecycle says how
they move (and re-exports them)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class InspectionStatus(models.TextChoices):
    PROPOSED = "proposed", _("proposed")
    PENDING_APPROVAL = "pending_approval", _("pending approval")
    REJECTED = "rejected", _("rejected")
    APPROVED = "approved", _("approved")
    IN_FIELDWORK = "in_fieldwork", _("in fieldwork")
    CONCLUDING = "concluding", _("concluding")
    RECTIFYING = "rectifying", _("rectifying")
    CLOSED = "closed", _("closed")
    CANCELLED = "cancelled", _("withdrawn")

    @classmethod
    def scheduled(cls) -> frozenset[str]:
        """Statuses in which an inspection counts as scheduled: overlap, burden and totals look at these."""
        return frozenset({cls.APPROVED, cls.IN_FIELDWORK, cls.CONCLUDING, cls.RECTIFYING, cls.CLOSED})

    @classmethod
    def live(cls) -> frozenset[str]:
        """Statuses of an inspection that is or may still be carried out (overlap checks compare with these)."""
        return frozenset(set(cls.values) - {cls.REJECTED, cls.CANCELLED})


class PlanStatus(models.TextChoices):
    DRAFTING = "drafting", _("collecting proposals")
    PENDING_APPROVAL = "pending_approval", _("pending approval")
    APPROVED = "approved", _("approved")


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("proposed")
    ACCEPTED = "accepted", _("accepted")
    MERGED = "merged", _("merged")
    CUT = "cut", _("cut")


class ConclusionStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PENDING_APPROVAL = "pending_approval", _("pending approval")
    APPROVED = "approved", _("approved")
    ISSUED = "issued", _("issued, awaiting acknowledgement")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    UNDER_REVIEW = "under_review", _("under review")
    REVIEWED = "reviewed", _("reviewed")
    WITHDRAWN = "withdrawn", _("withdrawn on review")

    @classmethod
    def issued(cls) -> frozenset[str]:
        """Statuses in which the target knows the conclusion (and sees what concerns it)."""
        return frozenset({cls.ISSUED, cls.ACKNOWLEDGED, cls.UNDER_REVIEW, cls.REVIEWED, cls.WITHDRAWN})


class ReviewStatus(models.TextChoices):
    FILED = "filed", _("filed")
    ASSIGNED = "assigned", _("reviewers assigned")
    DECIDED = "decided", _("decided")


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("awaiting the plan")
    IN_PROGRESS = "in_progress", _("in progress")
    REPORTED = "reported", _("reported complete")
    VERIFIED = "verified", _("verified")
    CLOSED = "closed", _("closed")
    CANCELLED = "cancelled", _("cancelled")

    @classmethod
    def running(cls) -> frozenset[str]:
        """Statuses in which the deadline runs and the light shows."""
        return frozenset({cls.OPEN, cls.IN_PROGRESS})

    @classmethod
    def finished(cls) -> frozenset[str]:
        return frozenset({cls.CLOSED, cls.CANCELLED})


class ResultProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("waiting for the government")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
