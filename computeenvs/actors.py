"""Background actors of the compute-environments app. Thin: ids in, scoped reload, one service call.

They are durable (`seqera.work`): retried on any error, and when they cannot complete the
give-up handler records why on the compute environment (ERRORED), so nothing stays pending.
"""

from datetime import timedelta

from computeenvs import services
from computeenvs.models import ComputeEnv
from seqera import work

# A full forge waits for IAM propagation (up to 2 min) and several Batch/EFS/FSx resources to
# become usable (FSx takes ~10 min on AWS): the time limit covers the slowest honest case.
FORGE_TIME_LIMIT_MS = 60 * 60 * 1000
# Work that changes AWS resources (forge, dispose, queue state): few retries with backoff, and a CE
# still not done an hour after the request is given up (ERRORED with the reason).
AWS_WORK = {
    "queue_name": "default",
    "max_retries": 3,
    "min_backoff": 5_000,
    "max_backoff": 60_000,
    "deadline": timedelta(hours=1),
}


def _scoped(ce_id: str, workspace_id: int):
    return ComputeEnv.objects.in_workspace(workspace_id).select_related("credentials").filter(pk=ce_id)


def _validation_gave_up(ce_id: str, workspace_id: int, *, reason: str) -> None:
    ce = _scoped(ce_id, workspace_id).exclude(status=ComputeEnv.Status.DELETING).first()
    if ce is not None:
        services.validation_gave_up(ce, reason=reason)


@work.durable_actor(
    queue_name="default",
    max_retries=3,
    min_backoff=1_000,
    max_backoff=30_000,
    time_limit=120_000,
    deadline=timedelta(minutes=30),
    give_up=_validation_gave_up,
)
def validate_compute_env(ce_id: str, workspace_id: int) -> None:
    """Checks a CE's queues and work directory with its credentials. Safe to run twice: it only
    records the current AWS state; a CE deleted or being deleted meanwhile is left alone."""
    ce = _scoped(ce_id, workspace_id).exclude(status=ComputeEnv.Status.DELETING).first()
    if ce is None:
        return
    services.validate_compute_env(ce)


def _forge_gave_up(ce_id: str, workspace_id: int, *, reason: str) -> None:
    services.forge_gave_up(ce_id=ce_id, workspace_id=workspace_id, reason=reason)


def _dispose_gave_up(ce_id: str, workspace_id: int, *, reason: str) -> None:
    services.dispose_gave_up(ce_id=ce_id, workspace_id=workspace_id, reason=reason)


def _heartbeat() -> None:
    work.heartbeat()  # each step renews the lease: a worker killed mid-forge is taken over, not doubled


# Forge and dispose of one CE share a work key (`services.work_key`): never two at once, and a
# CE stuck in CREATING or DELETING is re-sent by the dispatcher until the deadline, then ERRORED.
@work.durable_actor(**AWS_WORK, time_limit=FORGE_TIME_LIMIT_MS, give_up=_forge_gave_up)
def forge_compute_env(ce_id: str, workspace_id: int) -> None:
    """Forges a CREATING Forge CE. Safe to run twice: every step adopts what a previous run made."""
    services.forge_compute_env(ce_id=ce_id, workspace_id=workspace_id, on_step=_heartbeat)


def _queues_state_gave_up(ce_id: str, workspace_id: int, state: str, *, reason: str) -> None:
    services.queues_state_gave_up(ce_id=ce_id, workspace_id=workspace_id, state=state, reason=reason)


@work.durable_actor(**AWS_WORK, time_limit=10 * 60_000, give_up=_queues_state_gave_up)
def set_queues_state(ce_id: str, workspace_id: int, state: str) -> None:
    """Disables or enables a Forge CE's job queues in AWS (R37). Safe to run twice."""
    services.set_queues_state(ce_id=ce_id, workspace_id=workspace_id, state=state)


@work.durable_actor(**AWS_WORK, time_limit=FORGE_TIME_LIMIT_MS, give_up=_dispose_gave_up)
def dispose_compute_env(ce_id: str, workspace_id: int) -> None:
    """Disposes a DELETING CE's forged resources, then deletes it. Safe to run twice ("not found" is done)."""
    services.dispose_compute_env(ce_id=ce_id, workspace_id=workspace_id, on_step=_heartbeat)
