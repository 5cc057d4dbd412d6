"""Background actors of the compute-environments app. Thin: ids in, scoped reload, one service call."""

import dramatiq

from computeenvs import services
from computeenvs.models import ComputeEnv

# A full forge waits for IAM propagation (up to 2 min) and several Batch/EFS/FSx resources to
# become usable (FSx takes ~10 min on AWS): the time limit covers the slowest honest case.
FORGE_TIME_LIMIT_MS = 60 * 60 * 1000


@dramatiq.actor(queue_name="default", max_retries=3, min_backoff=1_000, max_backoff=30_000, time_limit=120_000)
def validate_compute_env(ce_id: str, workspace_id: int) -> None:
    """Checks a CE's queues and work directory with its credentials. Safe to run twice: it only
    records the current AWS state; a CE deleted or being deleted meanwhile is left alone."""
    ce = (
        ComputeEnv.objects.in_workspace(workspace_id)
        .select_related("credentials")
        .filter(pk=ce_id)
        .exclude(status=ComputeEnv.Status.DELETING)
        .first()
    )
    if ce is None:
        return
    services.validate_compute_env(ce)


@dramatiq.actor(
    queue_name="default", max_retries=3, min_backoff=5_000, max_backoff=60_000, time_limit=FORGE_TIME_LIMIT_MS
)
def forge_compute_env(ce_id: str, workspace_id: int) -> None:
    """Forges a CREATING Forge CE. Safe to run twice: every step adopts what a previous run made."""
    services.forge_compute_env(ce_id=ce_id, workspace_id=workspace_id)


@dramatiq.actor(
    queue_name="default", max_retries=3, min_backoff=5_000, max_backoff=60_000, time_limit=FORGE_TIME_LIMIT_MS
)
def dispose_compute_env(ce_id: str, workspace_id: int) -> None:
    """Disposes a DELETING CE's forged resources, then deletes it. Safe to run twice ("not found" is done)."""
    services.dispose_compute_env(ce_id=ce_id, workspace_id=workspace_id)
