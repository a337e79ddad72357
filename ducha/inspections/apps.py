from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "ducha.inspections"
    verbose_name = _("Inspections")
    # This app's share of `ducha demo` (ducha.devtools.demo.parts): a path, so nothing here imports devtools.
    demo_part = "ducha.devtools.demo.inspections:PART"
