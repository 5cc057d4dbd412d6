"""Key rotation: `manage.py rotate_credentials_key` moves every secret to the current key, in
chunks, resumably, and an old key can leave the ring afterwards."""

from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from tests.factories import CredentialsFactory, WorkspaceFactory
from workspaces import crypto
from workspaces.models import Credentials

OLD = crypto.generate_key_entry("old1")
NEW = crypto.generate_key_entry("new2")
SECRETS = [f"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLE{n:03d}" for n in range(7)]

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(settings):
    settings.CREDENTIALS_KEYS = OLD
    workspaces = [WorkspaceFactory(), WorkspaceFactory()]
    made = [CredentialsFactory(workspace=workspaces[n % 2], secret=secret) for n, secret in enumerate(SECRETS)]
    made.append(
        CredentialsFactory(
            workspace=workspaces[0],
            secret="",
            access_key="",
            assume_role_arn="arn:aws:iam::123456789012:role/only-role",
        )
    )
    settings.CREDENTIALS_KEYS = f"{NEW},{OLD}"
    return made


def rotate(**options) -> str:
    out = StringIO()
    call_command("rotate_credentials_key", stdout=out, **options)
    return out.getvalue()


def key_ids() -> list[str]:
    return sorted(
        crypto.key_id_of(t)
        for t in Credentials.objects.exclude(secret_encrypted="").values_list("secret_encrypted", flat=True)
    )


def secrets_by_id() -> dict[str, str]:
    return {c.pk: c.get_secret() for c in Credentials.objects.exclude(secret_encrypted="")}


def test_rotation_moves_every_row_to_the_new_key_and_the_old_key_can_go(rows, settings):
    before = secrets_by_id()
    output = rotate(chunk_size=3)

    assert key_ids() == ["new2"] * len(SECRETS)
    assert "Before: old1=7" in output and "After:  new2=7" in output
    assert "Re-encrypted 7 secret(s) in 3 chunk(s)." in output

    settings.CREDENTIALS_KEYS = NEW  # old key retired
    assert secrets_by_id() == before
    assert sorted(before.values()) == sorted(SECRETS)
    assert Credentials.objects.get(pk=rows[-1].pk).secret_encrypted == ""  # role-only row untouched


def test_an_interrupted_rotation_finishes_when_run_again(rows, settings):
    before = secrets_by_id()
    rotate(chunk_size=2, max_chunks=1)
    assert key_ids().count("new2") == 2 and key_ids().count("old1") == 5

    output = rotate(chunk_size=2)
    assert key_ids() == ["new2"] * 7
    assert "Re-encrypted 5 secret(s)" in output
    settings.CREDENTIALS_KEYS = NEW
    assert secrets_by_id() == before


def test_a_crash_mid_way_keeps_finished_chunks_and_rolls_back_the_broken_one(rows, settings):
    before = {c.pk: c.secret_encrypted for c in Credentials.objects.all()}
    real = crypto.reencrypt
    calls = {"n": 0}

    def crash_on_third(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("worker killed")
        return real(*args, **kwargs)

    with mock.patch.object(crypto, "reencrypt", crash_on_third), pytest.raises(RuntimeError):
        rotate(chunk_size=2)
    assert key_ids().count("new2") == 2  # chunk 1 committed, chunk 2 rolled back as a whole

    rotate(chunk_size=2)
    assert key_ids() == ["new2"] * 7
    settings.CREDENTIALS_KEYS = NEW
    assert sorted(secrets_by_id().values()) == sorted(SECRETS)
    assert set(before) == set(Credentials.objects.values_list("pk", flat=True))


def test_rotation_is_idempotent(rows):
    rotate()
    after_first = dict(Credentials.objects.values_list("pk", "secret_encrypted"))
    output = rotate()
    assert dict(Credentials.objects.values_list("pk", "secret_encrypted")) == after_first
    assert "Re-encrypted 0 secret(s) in 0 chunk(s)." in output


def test_a_row_under_an_unknown_key_is_reported_and_left_alone(rows, settings):
    stranger = CredentialsFactory(workspace=rows[0].workspace)
    settings.CREDENTIALS_KEYS = crypto.generate_key_entry("lost9")
    stranger.set_secret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYLOSTLOSTKEY")
    stranger.save()
    settings.CREDENTIALS_KEYS = f"{NEW},{OLD}"
    untouched = Credentials.objects.get(pk=stranger.pk).secret_encrypted

    with pytest.raises(CommandError, match=stranger.pk):
        rotate(chunk_size=2)
    assert Credentials.objects.get(pk=stranger.pk).secret_encrypted == untouched
    assert key_ids().count("new2") == 7


def test_generate_credentials_key_prints_an_entry_the_ring_accepts():
    out = StringIO()
    call_command("generate_credentials_key", "--id", "prod3", stdout=out, stderr=StringIO())
    entry = out.getvalue().strip()
    ring = crypto.parse_key_ring(entry)
    assert ring.current_id == "prod3"
    other = StringIO()
    call_command("generate_credentials_key", stdout=other, stderr=StringIO())
    assert crypto.parse_key_ring(other.getvalue().strip()).keys[0][1] != ring.keys[0][1]


def test_generate_credentials_key_refuses_a_bad_id():
    with pytest.raises(CommandError, match="letters and digits"):
        call_command("generate_credentials_key", "--id", "no-dashes", stdout=StringIO(), stderr=StringIO())
