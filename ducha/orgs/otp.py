"""The second factor (等保 L3 身份鉴别, issue 17): a TOTP authenticator app (django-otp's TOTPDevice) and one-time
recovery codes (django-otp's StaticDevice). Required for the roles in settings.DUCHA_OTP_REQUIRED_ROLES, optional
for everyone else; the session middleware (ducha.orgs.middleware) sends those who must give it to these pages.

Every step is a security event in the audit log: OTP_ENROLLED, OTP_FAILED, RECOVERY_CODES_ISSUED,
RECOVERY_CODE_USED, OTP_RESET."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ducha.audit.models import EventType
from ducha.audit.services import security_event_record
from ducha.common import error_codes as codes
from ducha.common.errors import InvalidState, NotPermitted, ValidationFailed
from ducha.orgs.models import Role

if TYPE_CHECKING:
    from django.http import HttpRequest

    from ducha.orgs.models import User

RECOVERY_CODE_COUNT = 10
DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery codes"


@dataclass(frozen=True)
class Enrolment:
    """A confirmed authenticator and the recovery codes issued with it (shown once)."""

    device: TOTPDevice
    recovery_codes: list[str]


def otp_required_for(user: User) -> bool:
    """True if `user` holds a role that must sign in with a second factor (settings.DUCHA_OTP_REQUIRED_ROLES); where
    administrators must, so must anyone who reaches the administration site (staff, superusers)."""
    required = tuple(settings.DUCHA_OTP_REQUIRED_ROLES)
    if not required:
        return False
    if Role.ADMIN in required and (user.is_staff or user.is_superuser):
        return True
    return user.has_role(*required)


def otp_enrolled(user: User) -> bool:
    """True if `user` has a confirmed authenticator."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def otp_provisioning_svg(device: TOTPDevice) -> str:
    """The `otpauth://` URL of an authenticator as an SVG QR code, drawn here: no remote image, no `style`
    attribute (the CSP forbids inline styles)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=10)
    buffer = io.BytesIO()
    image.save(buffer)
    text = buffer.getvalue().decode()
    return text[text.index("<svg") :]


def otp_secret_text(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an app by hand."""
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[index : index + 4] for index in range(0, len(secret), 4))


def _normalised(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _is_totp_shape(code: str) -> bool:
    return code.isdigit() and len(code) in (6, 8)


@transaction.atomic
def otp_enrol_start(*, user: User) -> TOTPDevice:
    """The authenticator `user` is binding: the unconfirmed one already started (so reloading the page keeps the
    same secret) or a new one. Refused with OTP_ALREADY_ENROLLED if one is confirmed (an administrator resets it
    first, otp_reset)."""
    if otp_enrolled(user):
        raise InvalidState(codes.OTP_ALREADY_ENROLLED)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def otp_enrol_confirm(*, user: User, code: str, request: HttpRequest | None = None) -> Enrolment:
    """Confirm the authenticator started by otp_enrol_start with its first code, and issue the recovery codes.
    Events: OTP_ENROLLED and RECOVERY_CODES_ISSUED; a wrong code OTP_FAILED and OTP_INVALID (nothing confirmed).
    Refused with OTP_ALREADY_ENROLLED if an authenticator is already confirmed."""
    normalised = _normalised(code)
    with transaction.atomic():
        if TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).exists():
            raise InvalidState(codes.OTP_ALREADY_ENROLLED)
        device = (
            TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
        )
        if device is None:
            raise InvalidState(codes.OTP_REQUIRED)
        verified = _is_totp_shape(normalised) and device.verify_token(normalised)
        if verified:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            security_event_record(event_type=EventType.OTP_ENROLLED, user=user, request=request)
            recovery_codes = recovery_codes_issue(user=user, request=request)
    if not verified:
        # Outside the transaction above: the failure and the device's throttle count stay recorded.
        security_event_record(
            event_type=EventType.OTP_FAILED, user=user, request=request, new={"stage": "enrol"}
        )
        raise ValidationFailed(codes.OTP_INVALID, fields={"code": codes.message_for(codes.OTP_INVALID)})
    return Enrolment(device=device, recovery_codes=recovery_codes)


@transaction.atomic
def recovery_codes_issue(*, user: User, request: HttpRequest | None = None) -> list[str]:
    """Issue `RECOVERY_CODE_COUNT` new one-time recovery codes, replacing any left; returned once (django-otp keeps
    them to match). Needs a confirmed authenticator. Event: RECOVERY_CODES_ISSUED."""
    if not otp_enrolled(user):
        raise InvalidState(codes.OTP_REQUIRED)
    device = StaticDevice.objects.filter(user=user).order_by("pk").first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    elif not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    StaticDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.token_set.all().delete()
    recovery_codes: list[str] = []
    while len(recovery_codes) < RECOVERY_CODE_COUNT:
        token = StaticToken.random_token()
        if token not in recovery_codes and not _is_totp_shape(token):
            recovery_codes.append(token)
    StaticToken.objects.bulk_create([StaticToken(device=device, token=token) for token in recovery_codes])
    security_event_record(
        event_type=EventType.RECOVERY_CODES_ISSUED,
        user=user,
        request=request,
        new={"count": RECOVERY_CODE_COUNT},
    )
    return recovery_codes


def _matching_device(*, user: User, code: str) -> Device | None:
    """The confirmed device that accepts `code` (a six-digit TOTP code or a recovery code, used up), or None.
    django-otp throttles each device after failures; a throttled device accepts nothing."""
    with transaction.atomic():
        if _is_totp_shape(code):
            for totp in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True):
                if totp.verify_token(code):
                    return totp
            return None
        for static in StaticDevice.objects.select_for_update().filter(user=user, confirmed=True):
            if static.verify_token(code):
                return static
    return None


def otp_verify(*, user: User, code: str, request: HttpRequest | None = None, stage: str = "verify") -> Device:
    """The device that accepts `code` from `user`: the authenticator's current code, or one of the recovery codes
    (used up; event RECOVERY_CODE_USED). A wrong code: event OTP_FAILED and OTP_INVALID. The web layer then marks
    the session verified (django_otp.login)."""
    device = _matching_device(user=user, code=_normalised(code))
    if device is None:
        security_event_record(
            event_type=EventType.OTP_FAILED, user=user, request=request, new={"stage": stage}
        )
        raise ValidationFailed(codes.OTP_INVALID, fields={"code": codes.message_for(codes.OTP_INVALID)})
    if isinstance(device, StaticDevice):
        security_event_record(
            event_type=EventType.RECOVERY_CODE_USED,
            user=user,
            request=request,
            new={"left": device.token_set.count(), "stage": stage},
        )
    return device


def otp_check(*, user: User, code: str, request: HttpRequest | None = None) -> bool:
    """True if `code` is the current TOTP code or an unused recovery code of `user` (the API's token issue asks
    this); the same events as otp_verify."""
    try:
        otp_verify(user=user, code=code, request=request, stage="api")
    except ValidationFailed:
        return False
    return True


def _may_reset(*, actor: User, user: User) -> bool:
    if actor.is_superuser or actor.has_role(Role.ADMIN):
        return True
    if not actor.has_role(Role.OFFICE) or actor.unit is None or user.unit is None:
        return False
    government = actor.unit.government_id
    return government is not None and user.unit.government_id == government


def otp_reset(*, user: User, actor: User, request: HttpRequest | None = None) -> int:
    """Unbind `user`'s authenticator and recovery codes (a lost phone): they enrol again at the next sign-in.
    Allowed to an administrator, and to the office for the people of its own government. Event: OTP_RESET.
    Returns the number of devices removed."""
    if not _may_reset(actor=actor, user=user):
        raise NotPermitted(codes.ROLE_REQUIRED, _("Only an administrator or your office may reset this."))
    with transaction.atomic():
        removed = (
            TOTPDevice.objects.filter(user=user).count() + StaticDevice.objects.filter(user=user).count()
        )
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        security_event_record(
            event_type=EventType.OTP_RESET, user=user, actor=actor, request=request, new={"removed": removed}
        )
    return removed
