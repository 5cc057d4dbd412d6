"""Sandbox only: the head jobs the sandbox plays report through the trace API, as Nextflow would.

`install_sandbox` (called by the development start, never against real AWS) registers a reporter
with the sandbox Batch runner (`pipelines.sandbox`). For each played head job it reads what a real
Nextflow reads from its environment (TOWER_API_ENDPOINT, TOWER_ACCESS_TOKEN, TOWER_WORKFLOW_ID,
TOWER_WORKSPACE_ID) and sends, over HTTP to that endpoint, with the plugin's Authorization header
(Basic ``@token:<token>``) and payload shapes: ``create`` and ``begin`` when the job starts
running, ``progress`` with each task report, ``complete`` when it ends. So every demo run
exercises the trace API end to end; a failed call is logged and the play goes on.
"""

from __future__ import annotations

import base64
import json
import logging
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime

logger = logging.getLogger(__name__)
NOT_EXITED = 2**31 - 1
STATUS = {"RUNNING": "RUNNING", "SUCCEEDED": "COMPLETED", "FAILED": "FAILED"}


def _iso(millis: int | None) -> str | None:
    if not millis:
        return None
    return datetime.fromtimestamp(millis / 1000, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Reporter:
    """What the tower plugin of each played head job has sent (task records, by run)."""

    def __init__(self, timeout: float = 5.0):
        self.timeout = timeout
        self.tasks: dict[str, dict[int, dict]] = {}
        self.processes: dict[str, list[str]] = {}

    def __call__(self, event: str, play, **data) -> None:
        env = play.environment
        if not env.get("TOWER_ACCESS_TOKEN") or not env.get("TOWER_API_ENDPOINT"):
            return
        try:
            getattr(self, f"on_{event}")(play, env, **data)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            logger.warning("Sandbox Nextflow of run %s: the trace API did not take %s: %s", play.run_id, event, exc)

    # -- HTTP, as TowerClient sends it
    def send(self, env: dict, method: str, path: str, body: dict) -> dict:
        url = env["TOWER_API_ENDPOINT"].rstrip("/") + path
        if env.get("TOWER_WORKSPACE_ID"):
            url += f"?workspaceId={env['TOWER_WORKSPACE_ID']}"
        auth = base64.b64encode(f"@token:{env['TOWER_ACCESS_TOKEN']}".encode()).decode()
        request = urllib.request.Request(  # noqa: S310 - the sandbox's own loopback endpoint
            url,
            data=json.dumps(body).encode(),
            method=method,
            headers={"Content-Type": "application/json; charset=utf-8", "Authorization": f"Basic {auth}"},
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
            return json.loads(response.read() or b"{}")

    # -- events of the sandbox runner
    def on_started(self, play, env) -> None:
        now = int(time.time() * 1000)
        created = self.send(
            env,
            "POST",
            "/trace/create",
            {
                "sessionId": env.get("NXF_UUID"),
                "runName": play.run_name,
                "projectName": play.repository.removeprefix("https://github.com/"),
                "repository": play.repository,
                "workflowId": env.get("TOWER_WORKFLOW_ID"),
                "instant": now,
            },
        )
        workflow_id = created["workflowId"]
        self.tasks[workflow_id] = {}
        self.processes[workflow_id] = ["sayHello"]
        workflow = self._workflow(play, env, workflow_id, start=play.started_at or now)
        self.send(
            env,
            "PUT",
            f"/trace/{workflow_id}/begin",
            {"workflow": workflow, "processNames": self.processes[workflow_id], "towerLaunch": True, "instant": now},
        )

    def on_task(self, play, env, *, process: str, task_id: int, name: str, status: str) -> None:
        workflow_id = env["TOWER_WORKFLOW_ID"]
        now = int(time.time() * 1000)
        tasks = self.tasks.setdefault(workflow_id, {})
        previous = tasks.get(task_id, {})
        done = status != "RUNNING"
        record = {
            "taskId": task_id,
            "status": STATUS.get(status, status),
            "hash": f"{task_id:02x}/{abs(hash((workflow_id, task_id))) % 16**6:06x}",
            "name": f"{process} ({task_id})",
            "process": process,
            "tag": None,
            "nativeId": name,
            "module": [],
            "container": "quay.io/nextflow/bash",
            "attempt": 1,
            "exit": (1 if status == "FAILED" else 0) if done else NOT_EXITED,
            "submit": previous.get("submit") or _iso(now),
            "start": previous.get("start") or _iso(now),
            "complete": _iso(now) if done else None,
            "cpus": 1,
            "memory": 1024**3,
            "time": None,
            "queue": play.compute_queue,
            "executor": "awsbatch",
            "machineType": "m5.large",
            "cloudZone": f"{play.region}a",
            "priceModel": "spot",
            "workdir": f"{env.get('NXF_WORK', 's3://sandbox-work/work')}/{task_id:02x}",
            "errorAction": "TERMINATE" if status == "FAILED" else None,
        }
        if done:
            started = previous.get("_start_ms") or now
            record.update(realtime=now - started, duration=now - started, pcpu=42.0, peakRss=16 * 1024**2)
        record["_start_ms"] = previous.get("_start_ms") or now
        tasks[task_id] = record
        self.send(
            env,
            "PUT",
            f"/trace/{workflow_id}/progress",
            {
                "tasks": [{k: v for k, v in record.items() if not k.startswith("_")}],
                "progress": self._progress(workflow_id),
                "containers": [],
                "instant": now,
            },
        )

    def on_completed(self, play, env, *, success: bool, exit_status: int | None) -> None:
        workflow_id = env["TOWER_WORKFLOW_ID"]
        if workflow_id not in self.tasks:
            return  # never started: Nextflow never ran, so it reports nothing
        now = int(time.time() * 1000)
        workflow = self._workflow(play, env, workflow_id, start=play.started_at or now)
        failed = next((t for t in self.tasks[workflow_id].values() if t["status"] == "FAILED"), None)
        workflow.update(
            complete=_iso(now),
            duration=now - (play.started_at or now),
            success=success,
            exitStatus=exit_status if exit_status is not None else (0 if success else 1),
            errorMessage=None
            if success
            else f"Process `{failed['name'] if failed else 'sayHello'}` terminated with an error exit status (1)",
            errorReport=None if success else "Error executing process > 'sayHello (2)'\n\nCommand exit status:\n  1",
        )
        workflow.pop("platform", None)
        self.send(
            env,
            "PUT",
            f"/trace/{workflow_id}/complete",
            {"workflow": workflow, "metrics": [], "progress": self._progress(workflow_id), "instant": now},
        )
        self.tasks.pop(workflow_id, None)

    def _progress(self, workflow_id: str) -> dict:
        counts = {"pending": 0, "submitted": 0, "running": 0, "succeeded": 0, "failed": 0, "cached": 0}
        key = {"RUNNING": "running", "COMPLETED": "succeeded", "FAILED": "failed"}
        for task in self.tasks.get(workflow_id, {}).values():
            counts[key.get(task["status"], "pending")] += 1
        processes = [
            {"index": i, "name": name, **counts, "terminated": counts["running"] == 0, "loadCpus": counts["running"]}
            for i, name in enumerate(self.processes.get(workflow_id, []))
        ]
        return {
            **counts,
            "loadCpus": counts["running"],
            "loadMemory": counts["running"] * 1024**3,
            "processes": processes,
        }

    @staticmethod
    def _workflow(play, env, workflow_id: str, *, start: int) -> dict:
        config = base64.b64decode(env.get("NXF_CONFIG_BASE64", "") or b"").decode(errors="replace")
        params = base64.b64decode(env.get("NXF_PARAMS_BASE64", "") or b"").decode(errors="replace")
        try:
            params_map = json.loads(params) if params.strip().startswith("{") else {}
        except ValueError:
            params_map = {}
        return {
            "id": workflow_id,
            "runName": play.run_name,
            "sessionId": env.get("NXF_UUID"),
            "repository": play.repository,
            "projectName": play.repository.removeprefix("https://github.com/"),
            "revision": "master",
            "commitId": "1d71f857bb",
            "start": _iso(start),
            "commandLine": f"nextflow run {play.repository} -name {play.run_name} -with-tower",
            "nextflow": {"version": "24.10.2", "build": "5932", "timestamp": "2024-11-27T17:29:00Z"},
            "manifest": {"name": play.repository.removeprefix("https://github.com/"), "mainScript": "main.nf"},
            "configText": config,
            "params": params_map,
            "workDir": env.get("NXF_WORK"),
            "container": "quay.io/nextflow/bash",
            "containerEngine": "docker",
            "scriptName": "main.nf",
            "userName": "root",
            "profile": "standard",
        }


_reporter: Reporter | None = None


def install_sandbox(endpoint: str) -> None:
    """Registers the sandbox Nextflow with the sandbox Batch runner (development start only)."""
    global _reporter
    from pipelines import sandbox

    if _reporter is None:
        _reporter = Reporter()
    sandbox.add_reporter(_reporter)
