"""The public site of 互联网+督查: anyone, without an account, reports a clue to a county government from a phone
and follows its progress with the tracking code (查询码) they are given.

Phone-first and complete without JavaScript: plain forms, no htmx, a page of its own (public/base.html) without
the workbench's navigation. The URL carries the government (/public/<id>/); /public/ lists the governments whose
villages and communities are configured, or goes straight to the only one.

The form only checks the shape of the input; services.clue_submit checks the rest (the length of the text, the
phone, that the village belongs to the township, the photos by their content, the limits per sending address)
and its DomainErrors are shown next to the field they name. Only REMOTE_ADDR identifies the sender, as a keyed
digest (a proxy's X-Forwarded-For is not trusted here). A bot that fills the honeypot gets the ordinary "sent"
page with a code that exists nowhere, and nothing is stored."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ducha.clues import intake, selectors, services
from ducha.clues.models import Category, Place, tracking_code
from ducha.common import error_codes as codes
from ducha.common.crypto import digest
from ducha.common.errors import DomainError
from ducha.orgs.models import Unit, UnitKind

# One line under each category on the form: what belongs there.
CATEGORY_HELP = {
    Category.IMPLEMENTATION: _("A decision or policy of the government that is not being carried out."),
    Category.CONDUCT: _("An office or official that does nothing, is slow, or behaves improperly."),
    Category.POLICY: _(
        "Policies of different departments that contradict each other or do not fit together."
    ),
    Category.SUGGESTION: _("An opinion or a suggestion for the government's work."),
}
ANONYMOUS, SIGNED = "anonymous", "signed"
# The tracking code as typed: letters and digits, spaces and hyphens ignored.
CODE_TYPED = re.compile(r"[\s\-]+")
CODE_SHAPE = re.compile(r"^[A-Z0-9]{4,16}$")
HONEYPOT = "website"


# --- the form --------------------------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several files from one input; their number, size and content are the service's to check."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleImageField, self).clean(file, initial) for file in files if file]


class ClueForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Kind of problem"), choices=Category.choices, widget=forms.RadioSelect
    )
    township = forms.TypedChoiceField(label=_("Township"), coerce=int, choices=())
    place = forms.TypedChoiceField(
        label=_("Village or community"), coerce=int, required=False, empty_value=None, choices=()
    )
    text = forms.CharField(
        label=_("What happened"),
        strip=True,
        widget=forms.Textarea(attrs={"rows": 7, "maxlength": services.TEXT_MAX}),
        help_text=_("10 to 2,000 characters: what, where, since when, who is affected."),
    )
    photos = MultipleImageField(
        label=_("Photos (optional)"),
        required=False,
        help_text=_("Up to %(count)s JPEG, PNG or WebP pictures, 5 MB each."),
    )
    identity = forms.ChoiceField(
        label=_("Your name"),
        choices=[
            (ANONYMOUS, _("Stay anonymous (we cannot contact you)")),
            (
                SIGNED,
                _("Give my name and phone (kept sealed; only the staff keeping identities can read them)"),
            ),
        ],
        initial=ANONYMOUS,
        widget=forms.RadioSelect,
    )
    name = forms.CharField(label=_("Name"), required=False, max_length=30, strip=True)
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=20,
        strip=True,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    # The honeypot: hidden by CSS; a person never sees it, a bot fills it.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, government: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        townships = intake.townships_of(government.pk)
        by_township: dict[int, list[tuple[int, str]]] = {unit.pk: [] for unit in townships}
        for pk, name, township_id in Place.objects.filter(government=government, is_active=True).values_list(
            "pk", "name", "township_id"
        ):
            if township_id in by_township:
                by_township[township_id].append((pk, name))
        self.fields["township"].choices = (  # type: ignore[attr-defined]
            [("", _("Choose the township"))] + [(unit.pk, unit.short_name or unit.name) for unit in townships]
        )
        self.fields["place"].choices = (  # type: ignore[attr-defined]
            [("", _("Not sure, or not in the list"))]
            + [
                (unit.short_name or unit.name, by_township[unit.pk])
                for unit in townships
                if by_township[unit.pk]
            ]
        )
        self.fields["photos"].help_text = self.fields["photos"].help_text % {
            "count": settings.DUCHA_CLUE_PHOTOS_MAX
        }
        if settings.DUCHA_CLUE_CAPTCHA:
            from captcha.fields import CaptchaField

            self.fields["captcha"] = CaptchaField(
                label=_("Verification code"),
                help_text=_("Type the characters in the picture."),
                error_messages={"invalid": codes.message_for(codes.CLUE_CAPTCHA)},
            )

    def category_options(self) -> list[tuple[Any, Any]]:
        """Each category's radio button with its one-line explanation."""
        return [(radio, CATEGORY_HELP.get(radio.data["value"], "")) for radio in self["category"]]

    def is_bot(self) -> bool:
        return bool((self.data.get(HONEYPOT) or "").strip())

    def show_error(self, error: DomainError) -> None:
        """A refusal of the service, next to the field it names, else above the form."""
        shown = False
        for name, message in error.fields.items():
            if name in self.fields:
                self.add_error(name, message)
                shown = True
        if not shown:
            self.add_error(None, error.message)


# --- who is served --------------------------------------------------------------------------------------------


def served_governments() -> list[Unit]:
    """The governments whose villages and communities are configured: those the public site serves."""
    with_places = Place.objects.filter(is_active=True).values("government_id")
    return list(
        Unit.objects.filter(kind=UnitKind.GOVERNMENT, is_active=True, pk__in=with_places).order_by(
            "path", "sort_order", "id"
        )
    )


def _government(government_id: int) -> Unit:
    unit = Unit.objects.filter(pk=government_id, kind=UnitKind.GOVERNMENT, is_active=True).first()
    if unit is None or not Place.objects.filter(government=unit, is_active=True).exists():
        raise Http404(_("There is no such government on this site."))
    return unit


def _typed_code(value: str | None) -> str:
    return CODE_TYPED.sub("", value or "").upper()


# --- the pages ------------------------------------------------------------------------------------------------


def index(request: HttpRequest) -> HttpResponse:
    governments = served_governments()
    if len(governments) == 1:
        return redirect("public-government", government_id=governments[0].pk)
    return render(request, "public/index.html", {"governments": governments})


def government_page(request: HttpRequest, government_id: int) -> HttpResponse:
    government = _government(government_id)
    return render(
        request,
        "public/government.html",
        {
            "government": government,
            "categories": [(label, CATEGORY_HELP[Category(value)]) for value, label in Category.choices],
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def clue_new(request: HttpRequest, government_id: int) -> HttpResponse:
    government = _government(government_id)
    if request.method != "POST":
        return _form_page(request, government, ClueForm(government=government))
    form = ClueForm(request.POST, request.FILES, government=government)
    if form.is_bot():
        # The ordinary answer, so the bot learns nothing; the code exists nowhere.
        return redirect("public-clue-sent", government_id=government.pk, code=tracking_code())
    if not form.is_valid():
        return _form_page(request, government, form, status=400)
    data = form.cleaned_data
    signed = data["identity"] == SIGNED
    try:
        clue = services.clue_submit(
            government=government,
            text=data["text"],
            category=data["category"],
            township_id=data["township"],
            place_id=data["place"],
            anonymous=not signed,
            name=data["name"] if signed else "",
            phone=data["phone"] if signed else "",
            photos=data["photos"],
            source_digest=digest(request.META.get("REMOTE_ADDR") or ""),
        )
    except DomainError as error:
        form.show_error(error)
        return _form_page(request, government, form, status=error.status)
    return redirect("public-clue-sent", government_id=government.pk, code=clue.code)


def _form_page(request: HttpRequest, government: Unit, form: ClueForm, *, status: int = 200) -> HttpResponse:
    context = {
        "government": government,
        "form": form,
        # What the reporter typed is all kept; files cannot be, so they are asked to choose them again.
        "photos_again": form.is_bound and bool(request.FILES.getlist("photos")),
        "honeypot": HONEYPOT,
    }
    return render(request, "public/clue_form.html", context, status=status)


@never_cache
def clue_sent(request: HttpRequest, government_id: int, code: str) -> HttpResponse:
    government = _government(government_id)
    code = _typed_code(code)
    if not CODE_SHAPE.match(code):
        raise Http404
    return render(request, "public/clue_sent.html", {"government": government, "code": code})


@never_cache
def track(request: HttpRequest) -> HttpResponse:
    typed = request.GET.get("code")
    if typed is not None:
        code = _typed_code(typed)
        if code:
            return redirect("public-track-code", code=code)
    return render(request, "public/track.html", {"typed": typed or "", "missing": typed is not None})


@never_cache
def track_code(request: HttpRequest, code: str) -> HttpResponse:
    code = _typed_code(code)
    view = selectors.public_view(code) if CODE_SHAPE.match(code) else None
    if view is None:
        context = {"typed": code, "unknown": codes.message_for(codes.CLUE_CODE_UNKNOWN)}
        return render(request, "public/track.html", context, status=404)
    return render(request, "public/progress.html", {"view": view, "stages": _stages(view.progress)})


# The stages a reporter sees, in order; the progress keys of selectors.PUBLIC_STATUS each reach one.
STAGES = [
    ("received", _("Received"), ("received",)),
    ("accepted", _("Accepted"), ("accepted",)),
    ("handling", _("Being handled"), ("in_progress", "checking", "done")),
    ("answered", _("Answered"), ("answered", "closed")),
]


def _stages(progress: str) -> list[dict[str, Any]]:
    """The stages with their state: done, current, or still to come (none for a clue not accepted)."""
    if progress == "rejected":
        return []
    current = next(index for index, (_key, _label, keys) in enumerate(STAGES) if progress in keys)
    return [
        {
            "key": key,
            "label": label,
            "state": "done" if i < current else "current" if i == current else "todo",
        }
        for i, (key, label, _keys) in enumerate(STAGES)
    ]


urlpatterns = [
    path("public/", index, name="public-index"),
    path("public/track/", track, name="public-track"),
    path("public/track/<str:code>/", track_code, name="public-track-code"),
    path("public/<int:government_id>/", government_page, name="public-government"),
    path("public/<int:government_id>/clues/new/", clue_new, name="public-clue-new"),
    path("public/<int:government_id>/clues/sent/<str:code>/", clue_sent, name="public-clue-sent"),
]
