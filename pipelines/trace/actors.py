"""The trace watchdog: scheduled by dramatiq-crontab every minute (as open-source Tower's
WorkflowWatchdogJob), safe to overlap (every transition is a compare-and-set)."""

import dramatiq
from dramatiq_crontab import interval

from pipelines.trace import services


@interval(seconds=60)
@dramatiq.actor(queue_name="default", max_retries=0, time_limit=120_000)
def watch_silent_runs() -> None:
    """Running runs whose Nextflow fell silent become UNKNOWN; a day of silence ends them FAILED."""
    services.sweep_silent_runs()
