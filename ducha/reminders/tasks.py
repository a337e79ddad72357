"""Background tasks (Django's Tasks API through the django-tasks backport): thin — load by id, call a service."""

from __future__ import annotations

from django_tasks import task

from ducha.reminders import services


@task()
def deliver(delivery_id: int) -> str | None:
    """Send one delivery (claimed first, so a duplicate task does nothing)."""
    return services.delivery_attempt(delivery_id=delivery_id)


@task()
def sweep() -> dict:
    """The periodic sweep as a task, for deployments that trigger it through the queue."""
    result = services.sweep()
    return {"run": result.run_id, "reminders": result.reminders, "messages": result.messages}
