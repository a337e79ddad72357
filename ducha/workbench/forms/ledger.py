"""Web forms of the ledger's pages other than its filter (which `ledger.parse_filter` reads, reporting what it
leaves out): a saved filter, the unit options' selected unit, and the import's preview, confirmation and discard.

Nothing here refuses: the service checks a saved filter's name, and the import's views compare the token, the
digest and the count with what they stored, with their own messages (see forms/fields.py)."""

from __future__ import annotations

from django import forms

from ducha.workbench.forms.fields import DigitsField, FlagField, RawTextField


class SavedFilterForm(forms.Form):
    """Save the ledger's current filter: its name and query string, as typed (the service normalises both)."""

    name = RawTextField()
    query = RawTextField()


class UnitOptionsForm(forms.Form):
    """The unit the ledger's unit filter shows selected (ledger.parse_unit_id reads it)."""

    selected = RawTextField()


class ImportTokenForm(forms.Form):
    """An upload waiting in the user's session, named by its token: the discard button."""

    token = RawTextField()


class ImportPreviewForm(ImportTokenForm):
    """The import page's address: without a token the upload form, with one its preview; errors=1 shows only the
    rows that cannot be imported."""

    # A declared field leaves the class (Django's form metaclass collects it), so it does not hide the form's own
    # `errors`, whatever mypy reads here.
    errors = FlagField(true_values=("1",))  # type: ignore[assignment]


class ImportConfirmForm(ImportTokenForm):
    """Confirm an import: the digest of the file previewed and the number of valid rows the user saw (plain digits;
    anything else is no number, which never matches)."""

    sha256 = RawTextField()
    count = DigitsField()
