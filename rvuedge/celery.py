"""The Celery application. Workers start with: celery -A rvuedge worker."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rvuedge.settings.dev")

app = Celery("rvuedge")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
