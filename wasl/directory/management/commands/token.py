from django.core.management.base import BaseCommand, CommandError

from wasl.core.errors import WaslError
from wasl.directory.tokens import create_token, revoke_tokens


class Command(BaseCommand):
    help = "API tokens: `wasl token create USERNAME` prints a new bearer token."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "revoke"])
        parser.add_argument("username")
        parser.add_argument("--label", default="")

    def handle(self, *args, action, username, label, **options):
        try:
            if action == "create":
                self.stdout.write(create_token(username, label=label))
            else:
                self.stdout.write(f"revoked {revoke_tokens(username)} token(s)")
        except WaslError as error:
            raise CommandError(f"{error.message_en} — {error.message_ar}") from None
