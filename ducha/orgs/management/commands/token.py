from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ducha.common.errors import DomainError
from ducha.orgs.models import TokenScope, User
from ducha.orgs.services import token_issue


class Command(BaseCommand):
    help = (
        "Print a new API bearer token for a user (only its digest is stored, so it is shown this once). "
        "It expires after --days (default DUCHA_TOKEN_DAYS, at most DUCHA_TOKEN_MAX_DAYS)."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("username")
        parser.add_argument("--name", default="cli", help="a label to recognise the token by")
        parser.add_argument(
            "--scope",
            choices=TokenScope.values,
            default=TokenScope.WRITE,
            help="read: GET only; write: everything the user may do (default)",
        )
        parser.add_argument("--days", type=int, default=None, help="how many days the token lasts")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        try:
            user = User.objects.get(username=options["username"], is_active=True)
        except User.DoesNotExist:
            raise CommandError(
                _("No active user named %(username)s.") % {"username": options["username"]}
            ) from None
        try:
            token, _row = token_issue(
                user=user, name=options["name"], scope=options["scope"], days=options["days"]
            )
        except DomainError as error:
            raise CommandError(" ".join([error.message, *error.fields.values()])) from None
        self.stdout.write(token)
