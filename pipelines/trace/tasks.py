"""Loaded by the scheduler (`manage.py crontab`, and devstart's in-process scheduler): importing
the actors registers the trace watchdog's schedule."""

from pipelines.trace import actors  # noqa: F401
