from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "ducha.orgs"
    verbose_name = _("Organisations and people")

    def ready(self) -> None:
        from ducha.orgs import security

        security.receivers_connect()  # sign-ins, failures and lockouts into the audit log

        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from ducha.orgs import sessions

        # The session's clocks start at sign-in; a sign-out is logged (SIGNED_OUT).
        user_logged_in.connect(sessions.on_signed_in, dispatch_uid="ducha.orgs.sessions.on_signed_in")
        user_logged_out.connect(sessions.on_signed_out, dispatch_uid="ducha.orgs.sessions.on_signed_out")
