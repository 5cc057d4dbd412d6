"""Jobs of the scheduler process itself (`manage.py crontab` imports `<app>.tasks` of every app).

The tick is an APScheduler job run inside the scheduler process, not a Dramatiq actor: it proves
that the scheduler itself is alive (readiness checks its age, `seqera.health`), whether or not a
worker is free. It runs once as soon as the scheduler starts and then every HEALTH_TICK_SECONDS.
"""

from __future__ import annotations

import logging

from apscheduler.triggers.interval import IntervalTrigger
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from dramatiq_crontab import scheduler

logger = logging.getLogger(__name__)
TICK_NAME = "scheduler"


def record_tick() -> None:
    from seqera.models import SchedulerTick

    close_old_connections()  # the scheduler thread keeps its connection between ticks
    try:
        SchedulerTick.objects.update_or_create(name=TICK_NAME, defaults={"at": timezone.now()})
    except Exception:  # noqa: BLE001 - a failed tick is what readiness reports; the scheduler goes on
        logger.warning("could not record the scheduler tick", exc_info=True)
    finally:
        close_old_connections()


if not scheduler.get_job("seqera.tasks.record_tick"):
    scheduler.add_job(
        record_tick,
        IntervalTrigger(seconds=settings.HEALTH_TICK_SECONDS),
        id="seqera.tasks.record_tick",
        name="seqera.tasks.record_tick",
        next_run_time=timezone.now(),
        misfire_grace_time=None,
        coalesce=True,
    )
