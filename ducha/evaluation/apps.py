from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "ducha.evaluation"
    verbose_name = _("Evaluation and the year's ledger")
    demo_part = "ducha.devtools.demo.evaluation:PART"

    def ready(self) -> None:
        from ducha.evaluation import score_jobs
        from ducha.evaluation.documents import register_kind

        register_kind()
        score_jobs.register()  # the office's "compute now" as a background job (ducha.jobs)
