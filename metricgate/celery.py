"""The Celery app; settings come from Django's under the CELERY_ prefix.

Beat runs the detector nightly and expires lapsed exceptions hourly. Start one
beat process only (see README "Running workers").
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "metricgate.settings")

app = Celery("metricgate")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "gaming-detector-nightly": {
        "task": "signals.run_detector",
        "schedule": crontab(hour=2, minute=15),
    },
    "expire-lapsed-exceptions-hourly": {
        "task": "signals.expire_lapsed_exceptions",
        "schedule": crontab(minute=5),
    },
    # Pilot rollout: idempotent, so a missed or doubled run does no harm.
    "pilot-escalate-overdue-hourly": {
        "task": "pilot.escalate_overdue_requests",
        "schedule": crontab(minute=20),
    },
    "pilot-due-reminders-daily": {
        "task": "pilot.send_due_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    "pilot-expiring-exceptions-daily": {
        "task": "pilot.warn_expiring_exceptions",
        "schedule": crontab(hour=8, minute=10),
    },
}
