"""Inspections API (督查活动)."""

from ninja import Router

router = Router(tags=["inspections"])
