"""The office's pages for 互联网+督查 (the public clue channel): the triage queue, a case with its clues and the
decisions on it, the answers waiting for review, every clue, the import of a platform's or the hotline's batch and
the units' duties. The URL names start with `clues-`. Included by ducha/workbench/urls.py."""

from django.urls import path

from ducha.workbench.views.clues import cases, lists

urlpatterns = [
    path("clues/", cases.queue_page, name="clues-queue"),
    path("clues/cases/<int:case_id>/", cases.case_page, name="clues-case"),
    path("clues/cases/<int:case_id>/<slug:action>/", cases.case_act, name="clues-case-act"),
    path("clues/clue/<int:clue_id>/reveal/", cases.clue_reveal, name="clues-reveal"),
    path("clues/clue/<int:clue_id>/<slug:action>/", cases.clue_act, name="clues-clue-act"),
    path("clues/photos/<int:photo_id>/", cases.photo, name="clues-photo"),
    path("clues/answers/", lists.answers_page, name="clues-answers"),
    path("clues/all/", lists.clues_page, name="clues-all"),
    path("clues/import/", lists.import_page, name="clues-import"),
    path("clues/duties/", lists.duties_page, name="clues-duties"),
    path("clues/duties/<int:unit_id>/", lists.duties_set, name="clues-duties-set"),
]
