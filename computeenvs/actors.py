"""Background actors of the compute-environments app. Thin: ids in, scoped reload, one service call."""

import dramatiq

from computeenvs import services
from computeenvs.models import ComputeEnv


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
