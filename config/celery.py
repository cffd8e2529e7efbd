from __future__ import annotations

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("samverka")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Celery's Django fixup closes every database connection before and after each task unless
# this is set: a new PostgreSQL connection per delivered email, about half of its time. Reuse
# them instead, under Django's own rule for a web request (below): kept for CONN_MAX_AGE,
# closed once broken.
app.conf.CELERY_DB_REUSE_MAX = 2**31
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _connections_recycled(**kwargs: object) -> None:
    from django.db import close_old_connections

    close_old_connections()
