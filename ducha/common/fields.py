"""A model field whose values are sealed at rest (ducha.common.crypto): Python code reads and writes plain text,
the database holds only "sm4gcm:<version>:…".

`SealedTextField` seals in `get_prep_value` and unseals in `from_db_value` — for model instances and for
`values()` / `values_list()` alike. Empty stays empty (so `filter(phone="")` / `exclude(phone="")` work). Every
seal uses a fresh nonce, so the column CANNOT be searched, compared, ordered or indexed: a lookup other than
`exact` / `in` against "" or `isnull` is refused, and `db_index` / `unique` are refused by a system check. A value
that is not sealed (written before the column was sealed) reads as it is; its migration and `ducha
rotate_field_key` seal it. A value sealed under a key version no longer configured raises ValueError on reading:
drop a key only after `ducha rotate_field_key --check` says nothing remains under it.

`max_length` limits the plain text in forms (the sealed form is longer; the column is a text column).

`column_reseal` is the batch job behind the migrations sealing a column and behind the key rotation: it reads and
writes the stored form directly (no sealing or unsealing by the field), in primary-key order, a batch at a time,
each row only if it still holds what was read (a concurrent edit wins)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.core import checks
from django.db import models, transaction
from django.db.models import ExpressionWrapper, F, Value

from ducha.common import crypto

BATCH_SIZE = 1000


class SealedTextField(models.TextField):  # type: ignore[type-arg]
    description = "Text sealed at rest (SM4-GCM)"
    _allowed_lookups = frozenset({"exact", "in", "isnull"})

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        if getattr(self, "db_index", False) or self.unique:
            errors.append(
                checks.Error(
                    "A SealedTextField cannot be indexed or unique: every seal differs.",
                    obj=self,
                    id="ducha.E101",
                )
            )
        return errors

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name not in self._allowed_lookups:
            return None  # FieldError: a sealed column cannot be searched
        return super().get_lookup(lookup_name)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.seal(str(value))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if not value or not crypto.is_sealed(value):
            return value
        return crypto.unseal(value)

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(**{"widget": forms.TextInput, **kwargs})


def stored(field_name: str) -> ExpressionWrapper:
    """The column as stored (sealed), bypassing SealedTextField's unsealing, for `annotate`/`values_list`."""
    return ExpressionWrapper(F(field_name), output_field=models.TextField())


@dataclass
class ResealCounts:
    sealed: int = 0  # plain values sealed
    resealed: int = 0  # values moved from an older key to the current one
    unreadable: int = 0  # sealed under a key no longer configured, or altered: left as they are
    changed_meanwhile: int = 0  # edited between the read and the write: the edit (sealed by then) wins

    @property
    def written(self) -> int:
        return self.sealed + self.resealed


def column_pending(model: type[models.Model], field_name: str, *, plain: bool) -> dict[str, int]:
    """How many values of the column are not under the current key: by key version ("v1": …), plus "plain" (when
    `plain`: values never sealed). One pass over the non-empty values."""
    current = crypto.current_version()
    counts: dict[str, int] = {}
    rows = (
        model._default_manager.exclude(**{field_name: ""})
        .exclude(**{f"{field_name}__isnull": True})
        .annotate(_stored=stored(field_name))
        .values_list("_stored", flat=True)
    )
    for value in rows.iterator(chunk_size=BATCH_SIZE):
        version = crypto.sealed_version(value)
        if version is None:
            if plain:
                counts["plain"] = counts.get("plain", 0) + 1
        elif version != current:
            counts[f"v{version}"] = counts.get(f"v{version}", 0) + 1
    return counts


def column_reseal(
    model: type[models.Model],
    field_name: str,
    *,
    plain: bool,
    rotate: bool,
    batch_size: int = BATCH_SIZE,
) -> ResealCounts:
    """Bring every non-empty value of `model.field_name` under the current key, `batch_size` rows per transaction:
    plain values sealed when `plain`, values under older keys re-sealed when `rotate`; values already under the
    current key untouched, so it is safe to re-run. Works on a migration's historical model too."""
    counts = ResealCounts()
    current = crypto.current_version()
    manager = model._default_manager
    last_pk: Any = None
    while True:
        batch = manager.exclude(**{field_name: ""}).exclude(**{f"{field_name}__isnull": True})
        if last_pk is not None:
            batch = batch.filter(pk__gt=last_pk)
        rows = list(
            batch.order_by("pk")
            .annotate(_stored=stored(field_name))
            .values_list("pk", "_stored")[:batch_size]
        )
        if not rows:
            return counts
        last_pk = rows[-1][0]
        with transaction.atomic(using=manager.db):
            for pk, value in rows:
                version = crypto.sealed_version(value)
                if (
                    version == current
                    or (version is None and not plain)
                    or (version is not None and not rotate)
                ):
                    continue
                try:
                    new_value = crypto.reseal(value)
                except ValueError:
                    counts.unreadable += 1
                    continue
                updated = (
                    manager.annotate(_stored=stored(field_name))
                    .filter(pk=pk, _stored=value)
                    .update(**{field_name: Value(new_value, output_field=models.TextField())})
                )
                if not updated:
                    counts.changed_meanwhile += 1
                elif version is None:
                    counts.sealed += 1
                else:
                    counts.resealed += 1
