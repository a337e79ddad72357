from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountabilityConfig(AppConfig):
    name = "ducha.accountability"
    verbose_name = _("Results and accountability")
    demo_part = "ducha.devtools.demo.accountability:PART"

    def ready(self) -> None:
        from ducha.accountability import listeners

        listeners.register()
