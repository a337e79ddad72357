from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "ducha.audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from ducha.audit.services import upload_refusal_record
        from ducha.common import uploads

        # Every upload path's refusal (ducha.common.uploads) is a security event in this log.
        uploads.refusal_recorder(upload_refusal_record)
