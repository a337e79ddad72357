from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CluesConfig(AppConfig):
    name = "ducha.clues"
    verbose_name = _("Internet + supervision: public clues")
    demo_part = "ducha.devtools.demo.clues:PART"
