from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ducha.orgs.models import User
from ducha.orgs.services import token_issue


class Command(BaseCommand):
    help = "Print a new API bearer token for a user (only its digest is stored, so it is shown this once)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("username")
        parser.add_argument("--name", default="cli", help="a label to recognise the token by")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        try:
            user = User.objects.get(username=options["username"], is_active=True)
        except User.DoesNotExist:
            raise CommandError(
                _("No active user named %(username)s.") % {"username": options["username"]}
            ) from None
        self.stdout.write(token_issue(user=user, name=options["name"]))
