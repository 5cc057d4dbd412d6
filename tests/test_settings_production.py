"""Production settings: a missing SECRET_KEY or key ring stops the start with a message that
says what to set, and `check --deploy --fail-level WARNING` passes in production shape."""

from tests.helpers.production import GOOD_SECRET, LOAD_SETTINGS, run
from workspaces import crypto


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


PRINT_OPTIONS = "import django; django.setup(); from django.conf import settings; print(settings.DATABASES['default'].get('OPTIONS', {}))"


def test_postgresql_keeps_repeated_statements_prepared_unless_a_pooler_forbids_it():
    keys = {"SECRET_KEY": GOOD_SECRET, "CREDENTIALS_KEYS": crypto.generate_key_entry("k1")}
    pg = "postgres://postgres@127.0.0.1:5432/unused"
    on = run(PRINT_OPTIONS, DATABASE_URL=pg, **keys)
    assert "'server_side_binding': True" in on.stdout and "'prepare_threshold': 5" in on.stdout, on.stderr
    off = run(PRINT_OPTIONS, DATABASE_URL=pg, DATABASE_PREPARED="false", **keys)
    assert off.returncode == 0 and "server_side_binding" not in off.stdout, off.stderr
    sqlite = run(PRINT_OPTIONS, **keys)
    assert sqlite.returncode == 0 and "server_side_binding" not in sqlite.stdout, sqlite.stderr
