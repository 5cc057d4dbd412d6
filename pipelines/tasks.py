"""Loaded by the scheduler (`manage.py crontab`, and devstart's in-process scheduler): importing
the actors registers the run monitor's schedule."""

from pipelines import actors  # noqa: F401
