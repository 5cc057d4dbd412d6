"""Models of the base layer: the durable work items behind `seqera.work`."""

from django.db import models
from django.utils import timezone


class WorkItem(models.Model):
    """The intent to run one durable actor for one key, committed with the state change it follows.

    A row is PENDING until a worker claims it (RUNNING, under a lease), then DONE, or GAVE_UP
    once its retries ran out or its deadline passed (the actor's give-up handler then put the
    object it concerns in a final state). `args` are ids only, never a secret. `version` grows
    on every submit, so a submit while the work runs makes it run once more afterwards.
    """

    class State(models.TextChoices):
        PENDING = "PENDING"
        RUNNING = "RUNNING"
        DONE = "DONE"
        GAVE_UP = "GAVE_UP"

    key = models.CharField(max_length=200, unique=True)
    actor = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    version = models.PositiveIntegerField(default=1)
    attempts = models.PositiveIntegerField(default=0)
    not_before = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "not_before"], name="workitem_state_due")]
        ordering = ["submitted_at"]

    def __str__(self):
        return f"{self.key} ({self.state})"


class SchedulerTick(models.Model):
    """When a scheduler process last ticked (`seqera.tasks`): readiness reads it to tell a live
    scheduler from a dead one. One row per scheduler name, overwritten on every tick."""

    name = models.CharField(max_length=50, unique=True)
    at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"
