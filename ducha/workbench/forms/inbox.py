"""Web forms of the inbox pages: the list's address (unread only, the cursor), the dead letters' cursor, the channel
preferences, marking a message read, and the 催办 form of the item page.

None of them refuses anything: an address edited by hand reads as no filter, and every rule of a 催办 is the
service's (see forms/fields.py).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.http import url_has_allowed_host_and_scheme

from ducha.reminders.models import Channel
from ducha.workbench.forms.fields import FlagField, QueryNumberField, QueryNumberListField, RawTextField


class DeadLettersForm(forms.Form):
    """The dead letters' address: the cursor of the next page (None when absent or unreadable)."""

    cursor = QueryNumberField()


class InboxForm(DeadLettersForm):
    """The inbox's address: unread=1 for the unread messages only, and the cursor."""

    unread = FlagField(true_values=("1",))


class PreferencesForm(forms.Form):
    """One checkbox per external channel, named after the channel: on when the browser sends "on"."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for channel in Channel.external():
            self.fields[channel] = FlagField(true_values=("on",))

    def channels_enabled(self) -> dict[str, bool]:
        """Every external channel, on or off (call once the form is valid)."""
        return {channel: self.cleaned_data[channel] for channel in Channel.external()}


class MarkReadForm(forms.Form):
    """Mark a message read: `open` (any value) to go on to its one line, `next` where to come back to.

    `next` is kept only when it stays on this site (`allowed_hosts`, and https when the request came by https);
    anything else reads as "" and the view falls back to the inbox."""

    open = FlagField(true_values=None)
    next = RawTextField()

    def __init__(self, *args: Any, allowed_hosts: set[str], require_https: bool, **kwargs: Any) -> None:
        self.allowed_hosts = allowed_hosts
        self.require_https = require_https
        super().__init__(*args, **kwargs)

    def clean_next(self) -> str:
        url: str = self.cleaned_data["next"]
        safe = url_has_allowed_host_and_scheme(
            url, allowed_hosts=self.allowed_hosts, require_https=self.require_https
        )
        return url if safe else ""


class ChaseForm(forms.Form):
    """催办: the units chosen (every checked box that reads as a number) and the message, as typed (the service
    strips it and refuses it empty)."""

    units = QueryNumberListField()
    text = RawTextField()
