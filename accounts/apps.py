from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import audit, schema  # noqa: F401  audit listens to sign-ins; schema describes our auth
