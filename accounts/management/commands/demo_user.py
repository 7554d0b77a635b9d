import secrets

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User

DEMO_EMAIL = "demo@rvuedge.local"


class Command(BaseCommand):
    help = "Create (or reset) the local demo account with a fresh random password, and print it."

    def add_arguments(self, parser):
        parser.add_argument("--email", default=DEMO_EMAIL)

    def handle(self, *args, email: str, **options):
        if not settings.DEBUG:
            raise CommandError("The demo account is for local development only (DEBUG is off).")
        password = secrets.token_urlsafe(12)
        user, created = User.objects.get_or_create(email=email)
        user.set_password(password)
        user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        action = "Created" if created else "Reset"
        self.stdout.write(self.style.SUCCESS(f"{action} the demo login: {email}  password: {password}"))
