from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    verbose_name = "national benchmarks"
    name = "benchmarks"
    default_auto_field = "django.db.models.BigAutoField"
