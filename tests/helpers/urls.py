"""Page URLs for tests: `ws_url` inside a workspace (by default the `tenancy` fixture's acme/lab),
`ce_url` of the compute-environment pages."""

from __future__ import annotations

from django.urls import reverse

WS = {"org": "acme", "workspace": "lab"}


def ws_url(name: str, *, workspace=None, **kwargs) -> str:
    """The URL of route `name` in `workspace` (a Workspace; default: acme/lab)."""
    where = {"org": workspace.org.name, "workspace": workspace.name} if workspace is not None else WS
    return reverse(name, kwargs={**where, **kwargs})


def ce_url(tenancy, name: str, ce=None, workspace=None) -> str:
    """The URL of compute-environment page `name` (``computeenvs:<name>``), of `ce` if given."""
    return ws_url(f"computeenvs:{name}", workspace=workspace or tenancy.workspace, **({"pk": ce.pk} if ce else {}))
