import pytest
from rest_framework.test import APIClient

from workspaces.permissions import ROLE_ORDER

CANARY_SECRET = "CanarySecret/NeverShow+0123456789abcdefXYZ"
CANARY_ACCESS_KEY = "AKIACANARY0123456789"


@pytest.fixture
def as_user():
    """`as_user(user)` -> an APIClient authenticated as `user` (None: anonymous)."""

    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def ws_url(tenancy):
    """`ws_url("credentials")` -> "/api/credentials?workspaceId=<lab id>" (or `workspace=` another)."""

    def make(path, workspace=None, **query):
        workspace = workspace or tenancy.workspace
        params = "&".join(f"{k}={v}" for k, v in {"workspaceId": workspace.id, **query}.items())
        return f"/api/{path}?{params}"

    return make


ROLES = list(ROLE_ORDER)
