"""The accountability pages (问责与通报): the proposals the triggers make and their decision, the trigger
settings, the recorded facts, the sanctions with their approval, answer, follow-up and referrals, the bulletins
(督查通报) and the commendations with the one-vote veto. The URL names start with `accountability-`. Included by
ducha/workbench/urls.py."""

from django.urls import path

from ducha.workbench.views.accountability import bulletins, commendations, proposals, sanctions

urlpatterns = [
    path("accountability/", proposals.index, name="accountability"),
    path("accountability/proposals/", proposals.proposals_page, name="accountability-proposals"),
    path("accountability/proposals/run/", proposals.triggers_run_now, name="accountability-triggers-run"),
    path(
        "accountability/proposals/<int:proposal_id>/<slug:action>/",
        proposals.proposal_act,
        name="accountability-proposal-act",
    ),
    path("accountability/triggers/", proposals.triggers_page, name="accountability-triggers"),
    path("accountability/triggers/<slug:rule>/", proposals.trigger_set, name="accountability-trigger-set"),
    path("accountability/facts/", proposals.facts_page, name="accountability-facts"),
    path("accountability/sanctions/", sanctions.sanctions_page, name="accountability-sanctions"),
    path(
        "accountability/sanctions/<int:sanction_id>/", sanctions.sanction_page, name="accountability-sanction"
    ),
    path(
        "accountability/sanctions/<int:sanction_id>/<slug:action>/",
        sanctions.sanction_act,
        name="accountability-sanction-act",
    ),
    path(
        "accountability/referrals/<int:referral_id>/<slug:action>/",
        sanctions.referral_act,
        name="accountability-referral-act",
    ),
    path("accountability/bulletins/", bulletins.bulletins_page, name="accountability-bulletins"),
    path("accountability/bulletins/draft/", bulletins.bulletin_draft, name="accountability-bulletin-draft"),
    path(
        "accountability/bulletins/<int:bulletin_id>/", bulletins.bulletin_page, name="accountability-bulletin"
    ),
    path(
        "accountability/bulletins/<int:bulletin_id>/<slug:action>/",
        bulletins.bulletin_act,
        name="accountability-bulletin-act",
    ),
    path(
        "accountability/commendations/", commendations.commendations_page, name="accountability-commendations"
    ),
    path(
        "accountability/commendations/propose/",
        commendations.commendation_propose,
        name="accountability-commendation-propose",
    ),
    path(
        "accountability/commendations/<int:commendation_id>/<slug:action>/",
        commendations.commendation_act,
        name="accountability-commendation-act",
    ),
]
