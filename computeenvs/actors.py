"""Background actors of the compute-environments app. Thin: ids in, scoped reload, one service call.

They are durable (`seqera.work`): retried on any error, and when they cannot complete the
give-up handler records why on the compute environment (ERRORED), so nothing stays pending.
"""

from datetime import timedelta

from computeenvs import services
from computeenvs.models import ComputeEnv
from seqera import work


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
