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


@pytest.mark.django_db
def test_rotation_moves_pipeline_secrets_to_the_current_key(tenancy, settings):
    from io import StringIO

    from django.core.management import call_command

    old, new = crypto.generate_key_entry("old1"), crypto.generate_key_entry("new2")
    first = settings.CREDENTIALS_KEYS  # the tenancy's credentials were stored under it
    settings.CREDENTIALS_KEYS = old
    secrets = [PipelineSecretFactory(workspace=tenancy.workspace, value=f"value-{n}") for n in range(5)]
    settings.CREDENTIALS_KEYS = f"{new},{old},{first}"
    call_command("rotate_credentials_key", chunk_size=2, stdout=StringIO())  # one command rotates every secret
    settings.CREDENTIALS_KEYS = new  # the old key left the ring
    for n, secret in enumerate(secrets):
        stored = PipelineSecret.objects.get(pk=secret.pk)
        assert crypto.key_id_of(stored.value_encrypted) == "new2" and stored.get_value() == f"value-{n}"
    tenancy.credentials.refresh_from_db()
    assert crypto.key_id_of(tenancy.credentials.secret_encrypted) == "new2"  # and the credentials with them
