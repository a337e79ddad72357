"""Forms of the source-record pages and of the batch actions on lists (批量报批、审批、交办、签收、催办). They read
the input; every rule (required, lengths, the leader) is the service's, so its code and message are shown."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ducha.items.models import SourceKind
from ducha.items.services.sources import REFERENCE_MAX, SUMMARY_MAX, TITLE_MAX
from ducha.orgs.models import Role, Unit, User
from ducha.workbench.forms.documents import DateInput
from ducha.workbench.forms.fields import IsoDateField, NumberField, NumberListField, TextField


class SourceRecordForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=SourceKind.choices)
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX,
        help_text=_("At most %(limit)s characters.") % {"limit": TITLE_MAX},
    )
    reference = TextField(
        label=_("Reference number"),
        max_length=REFERENCE_MAX,
        help_text=_("e.g. 示政纪〔2026〕12号"),
    )
    issued_on = IsoDateField(label=_("Date"), widget=DateInput())
    leader = forms.ModelChoiceField(
        label=_("Leader"), queryset=User.objects.none(), required=False, empty_label="—"
    )
    summary = TextField(
        label=_("Summary"),
        max_length=SUMMARY_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("At most %(limit)s characters.") % {"limit": SUMMARY_MAX},
    )

    def __init__(self, *args: Any, government: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(
                is_active=True, role_grants__role=Role.LEADER, unit__government_id=government.pk
            )
            .distinct()
            .order_by("id")
        )
        self.fields["title"].widget.attrs["required"] = True


class SourceListForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("all")), *SourceKind.choices], required=False)
    q = TextField(label=_("Keyword"))
    cursor = TextField()


class BatchForm(forms.Form):
    """One batch action: the ticked items and what the action takes (all optional here; the service decides)."""

    items = NumberListField()
    due_date = IsoDateField()
    deadline_workdays = NumberField()
    comment = TextField(max_length=2000)
    text = TextField(max_length=1000)
    next = TextField()
