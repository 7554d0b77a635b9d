"""The Celery application. Workers start with: celery -A rvuedge worker."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rvuedge.settings.dev")

app = Celery("rvuedge")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def run_or_queue(task, *args):
    """Queue `task` on the broker, or run it here when none is configured (a first
    look with no Redis): calling .delay() then would still make kombu reach for a
    broker on localhost."""
    if app.conf.task_always_eager:
        return task.apply(args=args)
    return task.delay(*args)
