"""The trace watchdog is a scheduled actor: the scheduler's module loading registers it."""

from importlib import import_module

from dramatiq_crontab import scheduler


def test_the_scheduler_runs_the_watchdog_every_minute():
    import_module("pipelines.trace.tasks")
    jobs = [job for job in scheduler.get_jobs() if job.name == "watch_silent_runs"]
    assert jobs and jobs[0].trigger.interval.total_seconds() == 60
