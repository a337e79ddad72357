from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkbenchConfig(AppConfig):
    """The web pages over the domains: to-do list, item pages, ledger and its Excel files, dashboard, calendar
    page, inspection pages and the inbox. The domains never import it; it calls their services and selectors."""

    name = "ducha.workbench"
    label = "workbench"
    verbose_name = _("Workbench")

    def ready(self) -> None:
        from ducha.workbench import exports

        exports.register()  # the ledger's export as a background job (ducha.jobs)
        from ducha.workbench import ledger_import

        ledger_import.register()  # the ledger's large imports: checked and committed as background jobs
        from django.db.models.signals import post_migrate

        from ducha.workbench import dashboard_jobs

        dashboard_jobs.register()  # the dashboard's summary recounted as a background job
        # The summary is counted on deploy, never in a first request (issue 19).
        post_migrate.connect(dashboard_jobs.build_on_migrate, sender=self, dispatch_uid="dashboard-summary")
