"""The office's own documents: the 督查通报 (until the results' bulletins exist, from a text the office writes)."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext_lazy

from ducha.documents.kinds.base import (
    COMMON_INPUTS,
    Draft,
    InputField,
    Inputs,
    Kind,
    default_recipients,
    from_office,
    paragraphs,
    register,
)
from ducha.documents.models import DocumentKind, DocumentProfile
from ducha.orgs.models import Unit


def _bulletin(government: Unit, profile: DocumentProfile, values: Inputs, today: datetime.date) -> Draft:
    content = from_office(
        profile,
        values,
        today,
        title=values["title"],
        body=paragraphs(values["body"]),
    )
    return Draft(content=content, title=values["title"])


register(
    Kind(
        name=DocumentKind.BULLETIN,
        label=gettext_lazy("supervision bulletin"),
        subject_type="government",
        build=_bulletin,
        repeatable=True,
        code_suffix="通",
        inputs=(
            InputField("title", gettext_lazy("title"), required=True),
            InputField(
                "recipients",
                gettext_lazy("addressed to"),
                required=True,
                default=lambda government, profile: default_recipients(government),
            ),
            InputField("body", gettext_lazy("text"), required=True, multiline=True),
            *COMMON_INPUTS,
        ),
    )
)
