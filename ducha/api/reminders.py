"""Reminders, 催办 and the notification inbox API."""

from ninja import Router

router = Router(tags=["reminders"])
