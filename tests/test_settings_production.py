"""Production settings: a missing SECRET_KEY or key ring stops the start with a message that
says what to set, and `check --deploy --fail-level WARNING` passes in production shape."""

import os
import subprocess
import sys
from pathlib import Path

from workspaces import crypto

ROOT = Path(__file__).resolve().parent.parent
GOOD_SECRET = "p" + "roduction-secret-key-" * 4 + "9x7Q"
LOAD_SETTINGS = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"


def run(code_or_args, **env) -> subprocess.CompletedProcess:
    clean_env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "seqera.settings",
    }
    # Set every value explicitly, even empty: a developer's git-ignored .env never fills the gaps.
    clean_env |= {
        "DEBUG": "false",
        "SECRET_KEY": "",
        "CREDENTIALS_KEYS": "",
        "ALLOWED_HOSTS": "example.org",
        "DATABASE_URL": "sqlite:////tmp/unused.sqlite3",
        "DRAMATIQ_BROKER_URL": "",
    }
    clean_env |= env
    args = code_or_args if isinstance(code_or_args, list) else ["-c", code_or_args]
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=clean_env, capture_output=True, text=True, timeout=120)


def test_production_start_without_secret_key_names_it():
    result = run(LOAD_SETTINGS, CREDENTIALS_KEYS=crypto.generate_key_entry("k1"))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY is not set" in result.stderr


def test_production_start_without_key_ring_names_it():
    result = run(LOAD_SETTINGS, SECRET_KEY=GOOD_SECRET)
    assert result.returncode != 0
    assert "CREDENTIALS_KEYS is not set" in result.stderr
    assert "generate_credentials_key" in result.stderr


def test_a_malformed_key_ring_stops_manage_py_with_workspaces_e001():
    result = run(["manage.py", "check"], SECRET_KEY=GOOD_SECRET, CREDENTIALS_KEYS="k1:tooshort")
    assert result.returncode != 0
    assert "workspaces.E001" in result.stderr
    assert "AES-256 needs exactly 32" in result.stderr


def test_production_settings_load_with_everything_set():
    result = run(LOAD_SETTINGS, SECRET_KEY=GOOD_SECRET, CREDENTIALS_KEYS=crypto.generate_key_entry("k1"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_check_deploy_passes_with_production_settings():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        SECRET_KEY=GOOD_SECRET,
        CREDENTIALS_KEYS=f"{crypto.generate_key_entry('new2')},{crypto.generate_key_entry('old1')}",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_catches_debug_in_production_shape():
    """The deploy check is not vacuous: turning DEBUG on makes it fail."""
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        SECRET_KEY=GOOD_SECRET,
        CREDENTIALS_KEYS=crypto.generate_key_entry("k1"),
        DEBUG="true",
    )
    assert result.returncode != 0
    assert "security.W018" in result.stderr
