"""Background actors of the workspaces app. Thin: ids in, scoped reload, one service call.

They are durable (`seqera.work`): retried on any error, and when they cannot complete the
give-up handler records why on the credentials (INVALID), so nothing stays "validating".
"""

from datetime import timedelta

from seqera import work
from workspaces import services
from workspaces.models import Credentials


def _validation_gave_up(credentials_id: str, workspace_id: int, *, reason: str) -> None:
    credentials = Credentials.objects.in_workspace(workspace_id).filter(pk=credentials_id).first()
    if credentials is not None:
        services.credentials_validation_gave_up(credentials=credentials, reason=reason)


@work.durable_actor(
    queue_name="default",
    max_retries=3,
    min_backoff=1_000,
    max_backoff=30_000,
    time_limit=60_000,
    deadline=timedelta(minutes=30),
    give_up=_validation_gave_up,
)
def validate_credentials(credentials_id: str, workspace_id: int) -> None:
    credentials = Credentials.objects.in_workspace(workspace_id).filter(pk=credentials_id).first()
    if credentials is None:
        return  # deleted meanwhile: nothing to validate
    services.validate_credentials(credentials=credentials)
