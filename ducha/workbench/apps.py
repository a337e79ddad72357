from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkbenchConfig(AppConfig):
    """The web pages over the domains: to-do list, item pages, ledger and its Excel files, dashboard, calendar
    page, inspection pages and the inbox. The domains never import it; it calls their services and selectors."""

    name = "ducha.workbench"
    label = "workbench"
    verbose_name = _("Workbench")
