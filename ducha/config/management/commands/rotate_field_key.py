"""`ducha rotate_field_key [--check]`: bring every sealed column under the current field key (ducha.common.crypto).

Every SealedTextField of every model (User.phone, …) and the columns sealed by hand (the public reporters' name and
phone on clues.Clue) are re-sealed in batches of 1,000 rows, each batch its own transaction, idempotently (a value
already under the current key is left alone, so an interrupted run is simply run again). One FIELD_KEY_ROTATED
event records the counts per column. `--check` changes nothing and reports what remains under older keys."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import models
from django.utils.translation import gettext as _

from ducha.common import crypto
from ducha.common.fields import SealedTextField, column_pending, column_reseal

# Columns holding values sealed by hand with crypto.seal (not a SealedTextField): (app label, model, field).
# grep "seal(" when adding one.
HAND_SEALED: tuple[tuple[str, str, str], ...] = (
    ("clues", "Clue", "reporter_name"),
    ("clues", "Clue", "reporter_phone"),
)


def sealed_columns() -> list[tuple[type[models.Model], str, bool]]:
    """(model, field name, whether plain values are sealed too): the SealedTextFields, then the hand-sealed ones."""
    columns: list[tuple[type[models.Model], str, bool]] = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, SealedTextField) and field.model is model:
                columns.append((model, field.name, True))
    for app_label, model_name, field_name in HAND_SEALED:
        columns.append((apps.get_model(app_label, model_name), field_name, False))
    return columns


def label(model: type[models.Model], field_name: str) -> str:
    return f"{model._meta.label}.{field_name}"


class Command(BaseCommand):
    help = (
        "Re-seal every sealed column (users' phones, clue reporters' names and phones) under the current field key, "
        "in batches, safe to re-run. To rotate the key: (1) add the new key FIRST in DUCHA_FIELD_KEYS, keeping the "
        'old one after it (e.g. DUCHA_FIELD_KEYS="2:<new 32 hex>,1:<old 32 hex>"; the old DUCHA_FIELD_KEY is '
        'version 1, and "1:derived" names the development key derived from the secret key) and restart every '
        "process (web, workers, scheduler); (2) run `ducha rotate_field_key`; (3) run `ducha rotate_field_key "
        "--check` until it reports nothing under an older key; (4) only then drop the old key (and DUCHA_FIELD_KEY) "
        "and restart. Keep the old key with the backups made before the rotation: they need it to be read."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="change nothing: count the values not under the current key (exit status 1 when any remain)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            current = crypto.current_version()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        if options["check"]:
            self._check(current)
        else:
            self._rotate(current)

    def _check(self, current: int) -> None:
        remaining = 0
        for model, field_name, plain in sealed_columns():
            pending = column_pending(model, field_name, plain=plain)
            remaining += sum(pending.values())
            detail = ", ".join(f"{key}: {count}" for key, count in sorted(pending.items())) or "0"
            self.stdout.write(f"{label(model, field_name)}: {detail}")
        if remaining:
            raise CommandError(
                _("%(count)d values are not under the current key (version %(version)d).")
                % {"count": remaining, "version": current},
                returncode=1,
            )
        self.stdout.write(
            _("Every sealed value is under the current key (version %(version)d).") % {"version": current}
        )

    def _rotate(self, current: int) -> None:
        from ducha.audit.models import EventType
        from ducha.audit.services import event_record

        fields: dict[str, dict[str, int]] = {}
        unreadable = 0
        for model, field_name, plain in sealed_columns():
            counts = column_reseal(model, field_name, plain=plain, rotate=True)
            unreadable += counts.unreadable
            fields[label(model, field_name)] = {
                "resealed": counts.resealed,
                "sealed": counts.sealed,
                "unreadable": counts.unreadable,
                "changed_meanwhile": counts.changed_meanwhile,
            }
            self.stdout.write(
                f"{label(model, field_name)}: resealed {counts.resealed}, sealed {counts.sealed}, "
                f"unreadable {counts.unreadable}"
            )
        event_record(
            event_type=EventType.FIELD_KEY_ROTATED,
            subject_type="system",
            subject_id=0,
            actor=None,
            new={"key_version": current, "fields": fields},
        )
        if unreadable:
            raise CommandError(
                _(
                    "%(count)d values could not be unsealed (altered, or under a key no longer configured); "
                    "they were left as they are."
                )
                % {"count": unreadable},
                returncode=2,
            )
        self.stdout.write(_("Every sealed value is under key version %(version)d.") % {"version": current})
