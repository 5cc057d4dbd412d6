"""The development start (`manage.py devstart`, run by `make run`): the sandbox, the worker and
the demo data come up together, the demo credentials get validated against the sandbox, and
everything stops afterwards. The web server itself is replaced by a probe."""

import subprocess
import sys
import time
import urllib.error
import urllib.request
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from workspaces import crypto
from workspaces import sandbox as demo_data
from workspaces.management.commands import devstart
from workspaces.models import Credentials, Organization, Workspace


@pytest.fixture
def dev_env(settings, monkeypatch, request):
    settings.DEBUG = True
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "demo-Password-123")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "")  # restored (removed) after the test
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    if django_settings.DRAMATIQ_BROKER_URL:  # a real broker: devstart leaves consuming to rundramatiq
        request.getfixturevalue("worker")
    else:
        request.getfixturevalue("broker")


def start(monkeypatch, probe) -> str:
    real_call_command = devstart.call_command

    def fake_call_command(name, *args, **kwargs):
        if name == "runserver":
            assert kwargs == {"use_reloader": False} and args[0].startswith("127.0.0.1:")
            return probe()
        return real_call_command(name, *args, **kwargs)

    monkeypatch.setattr(devstart, "call_command", fake_call_command)
    out = StringIO()
    call_command("devstart", "--port", "8765", stdout=out)
    return out.getvalue()


def wait_for(predicate, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.django_db(transaction=True)
def test_devstart_brings_up_sandbox_worker_and_demo_data(dev_env, monkeypatch):
    seen = {}

    def probe():
        seen["endpoint"] = django_settings.AWS_ENDPOINT_URL
        with urllib.request.urlopen(f"{seen['endpoint']}/moto-api/data.json", timeout=5) as response:  # noqa: S310
            seen["sandbox_status"] = response.status
        creds = Credentials.objects.get(name=demo_data.DEMO_CREDENTIALS)
        seen["available"] = wait_for(
            lambda: Credentials.objects.filter(pk=creds.pk, status=Credentials.Status.AVAILABLE).exists()
        )
        from dramatiq_crontab import scheduler

        seen["scheduled"] = scheduler.running and "dispatch" in {job.name for job in scheduler.get_jobs()}

    output = start(monkeypatch, probe)

    assert seen["endpoint"].startswith("http://127.0.0.1:")
    assert seen["sandbox_status"] == 200
    assert seen["available"], "the demo credentials were not validated against the sandbox"
    assert seen["scheduled"], "the scheduler (durable-work dispatcher) did not run in devstart"
    creds = Credentials.objects.get(name=demo_data.DEMO_CREDENTIALS)
    assert creds.account_id == "123456789012"
    assert creds.access_key.startswith("AKIA") and len(creds.get_secret()) == 40

    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("demo-Password-123")
    workspace = Workspace.objects.get(org__name="demo", name="sandbox")
    assert workspace.role_of(admin) == "owner"
    assert "http://127.0.0.1:8765/accounts/login/" in output
    assert "demo-Password-123" in output
    assert "IN-MEMORY SANDBOX" in output
    assert creds.get_secret() not in output

    with pytest.raises(urllib.error.URLError):  # stopped with the command
        urllib.request.urlopen(f"{seen['endpoint']}/moto-api/data.json", timeout=2)  # noqa: S310


@pytest.mark.django_db(transaction=True)
def test_a_second_start_reuses_the_demo_data(dev_env, monkeypatch):
    start(monkeypatch, lambda: None)
    first_secret = Credentials.objects.get(name=demo_data.DEMO_CREDENTIALS).secret_encrypted
    output = start(monkeypatch, lambda: None)

    assert get_user_model().objects.filter(username="admin").count() == 1
    assert Organization.objects.filter(name="demo").count() == 1
    assert Workspace.objects.filter(name="sandbox").count() == 1
    assert Credentials.objects.get(name=demo_data.DEMO_CREDENTIALS).secret_encrypted == first_secret
    assert "demo-Password-123" in output


@pytest.mark.django_db(transaction=True)
def test_a_changed_demo_password_is_not_printed_or_reset(dev_env, monkeypatch):
    start(monkeypatch, lambda: None)
    admin = get_user_model().objects.get(username="admin")
    admin.set_password("my-own-password-42")
    admin.save()
    output = start(monkeypatch, lambda: None)
    assert "the password you set" in output
    admin.refresh_from_db()
    assert admin.check_password("my-own-password-42")


def test_devstart_refuses_production_settings(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=true"):
        call_command("devstart", stdout=StringIO())


def test_devstart_explains_a_busy_port(settings):
    settings.DEBUG = True
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(CommandError, match=f"Port {port} on 127.0.0.1 is in use"):
            call_command("devstart", "--port", str(port), stdout=StringIO())


def run_dev_env(path):
    script = Path(__file__).resolve().parent.parent / "scripts" / "dev_env.py"
    return subprocess.run([sys.executable, str(script), str(path)], capture_output=True, text=True, check=True)


def read_env(path) -> dict:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#"))


def test_dev_env_is_written_once_with_generated_keys(tmp_path):
    env_file = tmp_path / ".env"
    run_dev_env(env_file)
    values = read_env(env_file)
    assert values["DEBUG"] == "true"
    assert len(values["SECRET_KEY"]) >= 50
    assert crypto.parse_key_ring(values["CREDENTIALS_KEYS"]).current_id == "dev1"
    assert oct(env_file.stat().st_mode & 0o777) == "0o600"

    first = env_file.read_text()
    run_dev_env(env_file)
    assert env_file.read_text() == first  # never regenerated: existing secrets keep decrypting


def test_dev_env_adds_only_missing_keys(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("DEBUG=true\nSECRET_KEY=kept-as-it-is")
    run_dev_env(env_file)
    values = read_env(env_file)
    assert values["SECRET_KEY"] == "kept-as-it-is"
    assert set(values) == {"DEBUG", "SECRET_KEY", "CREDENTIALS_KEYS", "DEMO_ADMIN_PASSWORD"}
