from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """What operations reads of a running node: liveness and readiness for the balancer, the Prometheus metrics
    (requests, latencies, queue depth, sweeps, reminders), the JSON log format and the scheduler's singleton lock.
    Beside the web layer and the API: no domain imports it."""

    name = "ducha.ops"
    label = "ops"
    verbose_name = _("Operations")
