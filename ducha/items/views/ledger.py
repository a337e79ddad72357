"""台账 (ledger): filters, saved filters, Excel export and import."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path


@login_required
def ledger(request: HttpRequest) -> HttpResponse:
    return redirect("home")


urlpatterns = [
    path("ledger/", ledger, name="ledger"),
]
