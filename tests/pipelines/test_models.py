import pytest

from pipelines.models import PipelineSecret, Run, RunStatus
from tests.factories import PipelineSecretFactory, RunFactory
from workspaces import crypto


@pytest.mark.django_db
def test_runs_are_restricted_to_the_workspaces_of_the_user(tenancy):
    mine = RunFactory(workspace=tenancy.workspace)
    RunFactory(workspace=tenancy.other_workspace)
    assert list(Run.objects.restrict(tenancy.users["view"], "workflow:read")) == [mine]
    assert not Run.objects.restrict(tenancy.users["view"], "workflow:execute").exists()
    assert list(Run.objects.restrict(tenancy.users["launch"], "workflow:execute")) == [mine]


def test_status_choices_carry_their_badge_colour():
    assert RunStatus.FAILED.colour == "text-bg-danger"
    assert RunStatus.active() == ("SUBMITTED", "RUNNING")
    assert all(RunStatus(s).colour for s in RunStatus.values)


@pytest.mark.django_db
def test_secret_value_is_encrypted_and_bound_to_its_workspace_and_name(tenancy):
    secret = PipelineSecretFactory(workspace=tenancy.workspace, name="API_TOKEN", value="hunter2-value")
    stored = PipelineSecret.objects.get(pk=secret.pk)
    assert "hunter2" not in stored.value_encrypted
    assert stored.get_value() == "hunter2-value"
    moved = PipelineSecretFactory(workspace=tenancy.other_workspace, name="API_TOKEN")
    moved.value_encrypted = stored.value_encrypted
    with pytest.raises(crypto.DecryptionError):
        moved.get_value()
