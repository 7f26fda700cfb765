"""`wasl signin unlock USERNAME`: lift the sign-in lock of an account that someone else keeps
locked (wasl/web/signin.py `unlock`); audited under the operator's name."""

import getpass

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Sign-in locks: `wasl signin unlock USERNAME` lifts an account's lock (audited)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["unlock"])
        parser.add_argument("username")

    def handle(self, *args, action, username, **options):
        from wasl.web.signin import unlock

        forgotten = unlock(username, by=f"operator:{getpass.getuser()}")
        self.stdout.write(f"{username}: unlocked ({forgotten} failed attempt(s) forgotten)")
