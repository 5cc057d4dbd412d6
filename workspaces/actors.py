"""Background actors of the workspaces app. Thin: ids in, scoped reload, one service call."""

import dramatiq

from workspaces import services
from workspaces.models import Credentials


@dramatiq.actor(queue_name="default", max_retries=3, min_backoff=1_000, max_backoff=30_000, time_limit=60_000)
def validate_credentials(credentials_id: str, workspace_id: int) -> None:
    credentials = Credentials.objects.in_workspace(workspace_id).filter(pk=credentials_id).first()
    if credentials is None:
        return  # deleted meanwhile: nothing to validate
    services.validate_credentials(credentials=credentials)
