from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ItemsConfig(AppConfig):
    name = "ducha.items"
    verbose_name = _("Supervision items")
    # This app's share of `ducha demo` (ducha.devtools.demo.parts): a path, so nothing here imports devtools.
    demo_part = "ducha.devtools.demo.items:PART"

    def ready(self) -> None:
        from ducha.common import events
        from ducha.items.services.deadlines import on_arrangement_changed
        from ducha.workcalendar.services import ARRANGEMENT_CHANGED

        # Stored deadlines rest on the calendar: they move with each change of a year's arrangement.
        events.listen(ARRANGEMENT_CHANGED, on_arrangement_changed)
