"""The test suite as a toolkit: shared helpers live in tests/helpers/ and tests/factories.py, no
test module imports another, and every model has a factory that keeps its rows in one tenant."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps

from tests import factories

TESTS = Path(__file__).resolve().parent
APPS = ("workspaces", "computeenvs", "pipelines")  # an app joins this list with its first factories
NO_FACTORY = {
    "ComputeEnvLabel": "the through table of ComputeEnv.labels: made by setting a CE's labels",
    "AuditEvent": "written by the audit trail itself, never by a test",
}


def test_no_test_module_imports_another():
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            if any(name.startswith("tests.") and name.split(".")[-1].startswith("test_") for name in names):
                found.append(f"{path.relative_to(TESTS.parent)}:{node.lineno}")
    assert not found, f"test modules import other test modules (move the helper to tests/helpers/): {found}"


def test_every_model_has_a_factory():
    made = {factory._meta.model for factory in vars(factories).values() if hasattr(factory, "_meta")}
    models = [model for app in APPS for model in apps.get_app_config(app).get_models()]
    missing = [m.__name__ for m in models if m not in made and m.__name__ not in NO_FACTORY]
    assert not missing, f"models without a factory in tests/factories.py: {missing}"


@pytest.mark.django_db
def test_factories_keep_related_rows_in_one_tenant():
    ce = factories.ComputeEnvFactory()
    assert ce.credentials.workspace_id == ce.workspace_id
    resource = factories.ForgedResourceFactory()
    assert resource.workspace_id == resource.compute_env.workspace_id
    invitation = factories.InvitationFactory()
    assert invitation.org_id == invitation.workspace.org_id
    participant = factories.ParticipantFactory()
    assert participant.user.org_memberships.filter(org=participant.workspace.org).exists()
    token = factories.ApiTokenFactory()
    assert token.token_hash == token.hash(token._plaintext)
