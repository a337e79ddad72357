from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "ducha.reminders"
    verbose_name = _("Reminders and notifications")

    def ready(self) -> None:
        from ducha.reminders import listeners

        listeners.connect()
