from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "ducha.documents"
    verbose_name = _("Official documents")

    def ready(self) -> None:
        from ducha.documents import batch

        batch.register()  # the day's notices as a background job (ducha.jobs)
