"""Background actors of the pipelines app. Thin: ids in, scoped reload, one service call.

Submission and secret cleanup are durable (`seqera.work`): retried on any error, and when they
cannot complete the give-up handler records why on the run. The monitor is periodic (the
scheduler sends it every RUN_MONITOR_SECONDS) and idempotent: an overlapping sweep is harmless.
"""

from datetime import timedelta

import dramatiq
from django.conf import settings
from dramatiq_crontab import interval

from pipelines import monitor, services
from seqera import work


def _submission_gave_up(run_id: str, workspace_id: int, *, reason: str) -> None:
    services.submission_gave_up(run_id=run_id, workspace_id=workspace_id, reason=reason)


@work.durable_actor(
    queue_name="default",
    max_retries=5,
    min_backoff=2_000,
    max_backoff=60_000,
    time_limit=5 * 60_000,
    deadline=timedelta(hours=1),
    give_up=_submission_gave_up,
)
def submit_run(run_id: str, workspace_id: int) -> None:
    """Submits a SUBMITTED run's head job. Safe to run twice: a job already sent is found by name."""
    services.submit_run(run_id=run_id, workspace_id=workspace_id)


def _secrets_gave_up(run_id: str, workspace_id: int, *, reason: str) -> None:
    services.secrets_disposal_gave_up(run_id=run_id, workspace_id=workspace_id, reason=reason)


@work.durable_actor(
    queue_name="default",
    max_retries=5,
    min_backoff=5_000,
    max_backoff=120_000,
    time_limit=2 * 60_000,
    deadline=timedelta(days=1),
    give_up=_secrets_gave_up,
)
def dispose_run_secrets(run_id: str, workspace_id: int) -> None:
    """Deletes an ended run's secrets from AWS Secrets Manager. Safe to run twice."""
    services.dispose_run_secrets(run_id=run_id, workspace_id=workspace_id)


@interval(seconds=settings.RUN_MONITOR_SECONDS)
@dramatiq.actor(queue_name="default", max_retries=0, time_limit=10 * 60_000)
def monitor_runs() -> None:
    """Reads the head jobs of every active run (DescribeJobs, 100 a call) and moves their status."""
    monitor.sweep()
