"""Processes of the production shape for tests: gunicorn, `manage.py rundramatiq` workers and the
`manage.py crontab` scheduler as real subprocesses, a Redis of their own on a free port, moto in
server mode in this process, and the PostgreSQL test database they share with the test.

Guarantees: every process runs in its own process group (a stop or a kill reaches its children)
and logs to a file under the test's tmp directory; `Stack.close()` stops every process it started
(SIGTERM, then SIGKILL after a bounded wait) and the moto server, so a failing test leaves nothing
running. `wait_for` polls a predicate with a bounded timeout (never sleep-and-hope).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}")


def children(pid: int) -> set[int]:
    """The live direct children of `pid` (from /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid and fields[0] != "Z":
                    found.add(int(entry.name))
    return found


class Process:
    """A subprocess in its own process group (so a kill reaches its children), logging to a file."""

    def __init__(self, name: str, args: list[str], env: dict, logs: Path):
        self.name, self.log = name, logs / f"{name}-{time.monotonic_ns()}.log"
        self._out = self.log.open("w")
        self.popen = subprocess.Popen(  # noqa: S603
            args, cwd=ROOT, env=env, stdout=self._out, stderr=subprocess.STDOUT, start_new_session=True
        )

    def send(self, sig) -> None:
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)

    def stop(self, sig=signal.SIGTERM, timeout: float = 15) -> bool:
        """Sends `sig` to the group; SIGKILL past `timeout`. True when it ended within `timeout`."""
        self.send(sig)
        try:
            self.popen.wait(timeout=timeout)
            ended = True
        except subprocess.TimeoutExpired:
            self.send(signal.SIGKILL)
            self.popen.wait(timeout=5)
            ended = False
        if not self._out.closed:
            self._out.close()
        return ended

    def tail(self) -> str:
        return self.log.read_text()[-3000:] if self.log.exists() else ""


class HangingServer:
    """Accepts TCP connections and never answers (an AWS endpoint that hangs)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.endpoint = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self):
        self.sock.close()
        for conn in self.held:
            conn.close()


class Stack:
    def __init__(self, tmp_path: Path):
        from moto.server import ThreadedMotoServer

        self.logs = tmp_path
        self.processes: list[Process] = []
        self.redis_port = free_port()
        self.redis: Process | None = None
        # What Forge needs of moto: AWS-managed IAM policies to attach, Batch without Docker.
        self._managed_policies = os.environ.get("MOTO_IAM_LOAD_MANAGED_POLICIES")
        os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
        self.moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.moto.start()
        host, port = self.moto.get_host_and_port()
        self.aws_endpoint = f"http://{host}:{port}"
        self._moto_api("reset", {})  # the server shares moto's in-process state: start empty
        self._moto_api("config", {"batch": {"use_docker": False}})
        self.web_port = free_port()
        db = connection.settings_dict
        self.database_url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        self.token = ""
        self.workspace = None

    # ----------------------------------------------------------------- processes
    def env(self, role: str, **overrides) -> dict:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", "/tmp"),
            "DJANGO_SETTINGS_MODULE": "seqera.test_settings",
            "SECRET_KEY": settings.SECRET_KEY,
            "CREDENTIALS_KEYS": settings.CREDENTIALS_KEYS,
            "DATABASE_URL": f"{self.database_url}?application_name=fault-{role}",
            "CONN_MAX_AGE": "60",
            "DRAMATIQ_BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "DRAMATIQ_NAMESPACE": "fault",
            "AWS_ENDPOINT_URL": self.aws_endpoint,
            "AWS_MAX_ATTEMPTS": "1",
            # Short timings keep CI fast; FAULT_PRODUCTION_TIMINGS=1 measures with the defaults.
            **(
                {}
                if os.environ.get("FAULT_PRODUCTION_TIMINGS")
                else {"WORK_LEASE_SECONDS": "4", "WORK_DISPATCH_SECONDS": "1", "WORK_RESEND_AFTER_SECONDS": "5"}
            ),
            "LOG_LEVEL": "INFO",
        }
        env.update(overrides)
        return env

    def start(self, name: str, args: list[str], **env) -> Process:
        process = Process(name, args, self.env(name, **env), self.logs)
        self.processes.append(process)
        return process

    def start_redis(self) -> Process:
        self.redis = self.start(
            "redis",
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        )
        wait_for(self._redis_answers, 10, "redis")
        return self.redis

    def stop_redis(self) -> None:
        self.redis.stop(signal.SIGKILL)  # as a crash: no persistence, queued messages are gone
        wait_for(lambda: not self._redis_answers(), 10, "redis to stop")

    def _redis_answers(self) -> bool:
        with socket.socket() as probe:
            probe.settimeout(0.5)
            return probe.connect_ex(("127.0.0.1", self.redis_port)) == 0

    def start_web(self, *, workers: int | None = None, **env) -> Process:
        """gunicorn: with `workers`, configured as the Procfile's web (seqera.gunicorn_conf)."""
        if workers is None:
            args = ["--bind", f"127.0.0.1:{self.web_port}", "--workers", "1", "--threads", "4", "--timeout", "60"]
        else:
            args = ["--config", "python:seqera.gunicorn_conf"]
            env = {"PORT": str(self.web_port), "WEB_CONCURRENCY": str(workers), **env}
        web = self.start("web", [sys.executable, "-m", "gunicorn", "seqera.wsgi", *args], **env)
        wait_for(lambda: self._web_answers(web), 30, "gunicorn")
        return web

    def _web_answers(self, web: Process) -> bool:
        if web.popen.poll() is not None:
            raise AssertionError(f"gunicorn exited:\n{web.tail()}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{self.web_port}/api/", timeout=2)  # noqa: S310
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False
        return True

    def start_worker(
        self, *, processes: int = 1, threads: int = 2, name: str = "worker", shutdown_ms: int | None = None, **env
    ) -> Process:
        args = [sys.executable, "manage.py", "rundramatiq", "--processes", str(processes), "--threads", str(threads)]
        if shutdown_ms is not None:
            args += ["--worker-shutdown-timeout", str(shutdown_ms)]
        return self.start(name, [*args, "--skip-checks"], **env)

    def start_scheduler(self) -> Process:
        return self.start("scheduler", [sys.executable, "manage.py", "crontab", "--no-heartbeat"])

    def close(self) -> None:
        for process in reversed(self.processes):
            process.stop()
        self.moto.stop()
        if self._managed_policies is None:
            os.environ.pop("MOTO_IAM_LOAD_MANAGED_POLICIES", None)
        else:
            os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = self._managed_policies

    # ----------------------------------------------------------------- AWS (moto) and the broker, as the test sees them
    def _moto_api(self, what: str, body: dict) -> None:
        request = urllib.request.Request(  # noqa: S310
            f"{self.aws_endpoint}/moto-api/{what}",
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310
            pass

    def aws_client(self, service: str, region: str):
        """A plain boto3 client of the moto server (no strict layer), for inventories."""
        import boto3

        return boto3.Session(
            aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key=SECRET, region_name=region
        ).client(service, endpoint_url=self.aws_endpoint)

    def send_duplicate(self, actor_name: str, args: list, key: str, queue_name: str = "default") -> None:
        """Enqueues a copy of a durable-work message straight into the workers' Redis (as a
        redelivery or a second dispatcher would): the work item's lease must refuse it."""
        import dramatiq
        from dramatiq.brokers.redis import RedisBroker

        broker = RedisBroker(url=f"redis://127.0.0.1:{self.redis_port}/0", namespace="fault", middleware=[])
        try:
            broker.declare_queue(queue_name)
            broker.enqueue(
                dramatiq.Message(
                    queue_name=queue_name, actor_name=actor_name, args=tuple(args), kwargs={}, options={"work_key": key}
                )
            )
        finally:
            broker.close()

    # ----------------------------------------------------------------- the API, as a client
    def api(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict, dict]:
        sep = "&" if "?" in path else "?"
        url = f"http://127.0.0.1:{self.web_port}/api/{path}{sep}workspaceId={self.workspace.pk}"
        request = urllib.request.Request(  # noqa: S310
            url,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                raw, status, headers = response.read(), response.status, dict(response.headers)
        except urllib.error.HTTPError as error:
            raw, status, headers = error.read(), error.code, dict(error.headers)
        return status, (json.loads(raw) if raw and raw.startswith(b"{") else {"raw": raw.decode()[:500]}), headers

    def create_credentials(self, name: str) -> str:
        status, body, _ = self.api(
            "POST",
            "credentials",
            {
                "credentials": {
                    "name": name,
                    "provider": "aws",
                    "keys": {"accessKey": "AKIAIOSFODNN7EXAMPLE", "secretKey": SECRET},
                }
            },
        )
        assert status == 200, body
        return body["credentialsId"]
