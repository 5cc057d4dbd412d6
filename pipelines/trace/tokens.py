"""Per-run access tokens: what a launch hands the head job as TOWER_ACCESS_TOKEN.

Guarantees:

* A run token is ``sqr_<runId>_<mac>``, the MAC an HMAC-SHA256 of the run id under SECRET_KEY
  (`django.utils.crypto.salted_hmac`). It is derived, never stored: a retried submission hands
  the same token, and nothing in the database or a backup can be replayed as one. (Rotating
  SECRET_KEY invalidates the tokens of runs that are still going.)
* It authenticates nothing but the trace routes of its own run (`authentication.TraceAuthentication`
  is the only reader; the API's personal-token authentication does not know it), in its own
  workspace, and only while the run is not over (`services` refuse reports for a finished run).
* It has no dots, so Nextflow's TowerClient sends it as HTTP Basic ``@token:<token>``
  (setupClientAuth); ``Authorization: Bearer <token>`` is accepted as well.
"""

from __future__ import annotations

import hmac
import re

from django.conf import settings
from django.utils.crypto import salted_hmac

PREFIX = "sqr_"
_SALT = "pipelines.trace.run-token"
_SHAPE = re.compile(r"^sqr_([A-Za-z0-9]{1,16})_([0-9a-f]{64})$")


def run_token(run_id: str) -> str:
    return f"{PREFIX}{run_id}_{salted_hmac(_SALT, run_id, algorithm='sha256').hexdigest()}"


def run_id_of(token: str) -> str | None:
    """The run a well-formed, authentic run token names; None for anything else."""
    match = _SHAPE.match(token or "")
    if not match:
        return None
    run_id = match.group(1)
    return run_id if hmac.compare_digest(run_token(run_id), token) else None


def api_endpoint() -> str:
    """TOWER_API_ENDPOINT for the head job: where Nextflow sends its reports (the API root)."""
    return (getattr(settings, "TOWER_API_ENDPOINT", "") or "http://127.0.0.1:8000/api").rstrip("/")


def head_environment(run, launch) -> dict[str, str]:
    """The head job's TOWER_* variables (merged by `pipelines.launch.head_environment`): with
    TOWER_WORKFLOW_ID set, Nextflow reads TOWER_ACCESS_TOKEN and TOWER_WORKSPACE_ID from the
    environment only (PlatformHelper.getAccessToken / getWorkspaceId) and `create` attaches to
    this run."""
    return {
        "TOWER_WORKFLOW_ID": run.pk,
        "TOWER_ACCESS_TOKEN": run_token(run.pk),
        "TOWER_API_ENDPOINT": api_endpoint(),
        "TOWER_WORKSPACE_ID": str(run.workspace_id),
    }
