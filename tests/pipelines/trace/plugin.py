"""What Nextflow's tower plugin sends, as test fixtures: a deterministic player of a whole run.

Shapes follow nextflow-io/nextflow `plugins/nf-tower/src/main/io/seqera/tower/plugin/` (snapshot
2aad02f, 2026-08):

* TowerClient.groovy `getUrlTrace*` (l.182-215): ``POST {endpoint}/trace/create``, ``PUT
  {endpoint}/trace/{workflowId}/begin|progress|heartbeat|complete``, each with ``?workspaceId=``
  when a workspace id is configured (TOWER_WORKSPACE_ID, numeric; PlatformHelper.getWorkspaceId).
* TowerClient.setupClientAuth (l.238-270): a token with two dots (a JWT), or whose base64 decodes
  to ``<json>.<...>``, goes as ``Authorization: Bearer <token>``; any other token as HTTP Basic
  with the user ``@token`` and the token as password (``basicAuth('@token:' + token)``).
  With TOWER_REFRESH_TOKEN set, a 401 makes the client POST ``{endpoint}/oauth/access_token``
  (``grant_type=refresh_token``) and read the cookies JWT / JWT_REFRESH_TOKEN (lib-httpx
  HxTokenManager); launches here hand no refresh token, so a 401 is final.
* Retries (TowerRetryPolicy, lib-httpx HxConfig): 429, 500, 502, 503, 504 and I/O errors are
  retried up to 10 attempts with exponential backoff (350 ms .. 90 s): the server sees the very
  same body again. An error answer to ``create``, ``begin`` or ``progress`` aborts the run
  (AbortRunException, l.142-180); to ``heartbeat`` and ``complete`` it is only logged.
* TowerObserver.groovy: `makeCreateReq` (sessionId, runName, projectName, repository,
  workflowId = TOWER_WORKFLOW_ID, instant), `makeBeginReq` (workflow metadata map with params,
  id, container as a string, configText, operationId/logFile/outFile; processNames;
  towerLaunch; instant), `makeTaskMap0` (the TraceRecord store, ``%cpu`` -> ``pcpu``,
  snake_case -> camelCase, dates as OffsetDateTime strings, plus executor, cloudZone,
  machineType, priceModel, numSpotInterruptions, logStreamId, resourceAllocation),
  `makeTasksReq` (tasks, progress, containers new in this batch, instant), `makeHeartbeatReq`
  (progress, instant), `makeCompleteReq` (workflow without platform, metrics, progress, instant).
* `sendTasks0`: events are reconciled per task id (only a task's latest record is sent); a batch
  goes when 1 s passed since the last send, or 100 tasks are waiting, or at the end; with nothing
  to send for 1 min a heartbeat goes instead.
* Responses it reads: create -> ``workflowId`` (required; ``watchUrl``, ``message``,
  ``metadata`` optional); begin -> ``watchUrl``.
"""

from __future__ import annotations

import base64
import copy
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

NOT_EXITED = 2**31 - 1  # TaskRun.exitStatus before the task ends (Integer.MAX_VALUE)
TASKS_PER_REQUEST = 100
REQUEST_INTERVAL = timedelta(seconds=1)
ALIVE_INTERVAL = timedelta(minutes=1)


def auth_header(token: str) -> str:
    """The Authorization header TowerClient.setupClientAuth makes of `token`."""
    if token.count(".") == 2:
        return f"Bearer {token}"
    try:
        plain = base64.b64decode(token + "=" * (-len(token) % 4), validate=True).decode()
        head, dot, _ = plain.partition(".")
        if dot and head.strip().startswith("{"):
            return f"Bearer {token}"
    except ValueError:
        pass
    return "Basic " + base64.b64encode(f"@token:{token}".encode()).decode()


def millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def offset_str(moment: datetime | None) -> str | None:
    """Java's OffsetDateTime.toString() in UTC (the plugin's date fields): seconds are left out
    when zero, milliseconds when zero."""
    if moment is None:
        return None
    text = moment.strftime("%Y-%m-%dT%H:%M")
    if moment.second or moment.microsecond:
        text += moment.strftime(":%S")
        if moment.microsecond:
            text += f".{moment.microsecond // 1000:03d}"
    return text + "Z"


@dataclass
class SimTask:
    task_id: int
    process: str
    tag: str | None
    index: int
    pending_at: datetime
    submit_at: datetime
    start_at: datetime
    end_at: datetime
    outcome: str = "COMPLETED"  # COMPLETED | FAILED | CACHED
    exit: int = 0
    attempt: int = 1
    status: str = "NEW"

    @property
    def name(self) -> str:
        return f"{self.process} ({self.tag})" if self.tag else f"{self.process} ({self.index})"

    def record(self, workdir_root: str) -> dict:
        """`makeTaskMap0` of this task's TraceRecord at its current status."""
        done = self.status in ("COMPLETED", "FAILED", "CACHED")
        submitted = self.status != "NEW"
        started = self.status in ("RUNNING", "COMPLETED", "FAILED") or self.status == "CACHED"
        hash_ = f"{self.task_id % 256:02x}/{self.task_id * 7919 % 16**6:06x}"
        rec = {
            "taskId": self.task_id,
            "status": self.status,
            "hash": hash_,
            "name": self.name,
            "exit": self.exit if done else NOT_EXITED,
            "submit": offset_str(self.submit_at) if submitted else None,
            "start": offset_str(self.start_at) if started else None,
            "process": self.process,
            "tag": self.tag,
            "module": [],
            "container": "quay.io/nextflow/bash:latest",
            "attempt": self.attempt,
            "script": f"\n    echo 'processing {self.tag or self.index}'\n    ",
            "scratch": None,
            "workdir": f"{workdir_root}/{hash_}{'0' * 24}",
            "queue": "TowerForge-sandbox-work",
            "cpus": 2,
            "memory": 4 * 1024**3,
            "disk": None,
            "time": 3_600_000,
            "env": "",
            "executor": "awsbatch",
            "cloudZone": "eu-west-1b" if started else None,
            "machineType": "m5.large" if started else None,
            "priceModel": "spot" if started else None,
            "numSpotInterruptions": 0 if done else None,
            "logStreamId": f"tw-sandbox/default/{self.task_id:032x}" if started else None,
            "resourceAllocation": {"cpuShares": 2048, "memoryMiB": 4096} if started else None,
        }
        if submitted:
            rec["nativeId"] = f"{uuid.UUID(int=self.task_id)}"
        if done:
            realtime = millis(self.end_at) - millis(self.start_at)
            rec.update(
                complete=offset_str(self.end_at),
                duration=millis(self.end_at) - millis(self.submit_at),
                realtime=realtime,
                errorAction="TERMINATE" if self.status == "FAILED" else None,
                pcpu=87.5,
                pmem=1.2,
                rss=52_428_800,
                vmem=104_857_600,
                peakRss=62_914_560,
                peakVmem=125_829_120,
                rchar=10_485_760,
                wchar=2_097_152,
                syscr=1200,
                syscw=300,
                readBytes=8_388_608,
                writeBytes=1_048_576,
                volCtxt=42,
                invCtxt=7,
                hostname="ip-10-0-1-23.eu-west-1.compute.internal",
                cpuModel="Intel(R) Xeon(R) Platinum 8175M CPU @ 2.50GHz",
            )
        return rec


def _progress_record(index: int, name: str) -> dict:
    return {
        "index": index,
        "name": name,
        "workDir": None,
        "pending": 0,
        "submitted": 0,
        "running": 0,
        "succeeded": 0,
        "cached": 0,
        "failed": 0,
        "aborted": 0,
        "stored": 0,
        "ignored": 0,
        "retries": 0,
        "terminated": False,
        "loadCpus": 0,
        "loadMemory": 0,
        "peakRunning": 0,
        "peakCpus": 0,
        "peakMemory": 0,
    }


@dataclass
class PluginRun:
    """A Nextflow run as the tower plugin reports it.

    `processes`: (name, number of tasks). With `fail_process`, that process's last task fails
    (errorStrategy terminate): the run fails, its not-yet-started tasks are never reported as
    started, and `complete` carries success false, the error message and report.
    `cached`: the first tasks of the first process come from the cache (resume).
    """

    processes: list[tuple[str, int]] = field(default_factory=lambda: [("FASTQC", 6), ("ALIGN", 6), ("MULTIQC", 1)])
    run_name: str = "happy_turing"
    session_id: str = "8f1b6ce2-9a3a-4f3e-b2f8-5d3b7a3a0c11"
    tower_workflow_id: str | None = None
    fail_process: str | None = None
    cached: int = 0
    start: datetime = field(default_factory=lambda: datetime(2026, 12, 1, 10, 0, 0, tzinfo=UTC))
    work_dir: str = "s3://sandbox-work/scratch/run"
    task_seconds: int = 20
    pending_every_ms: int = 250

    def __post_init__(self):
        self.tasks: list[SimTask] = []
        clock = self.start + timedelta(seconds=5)
        task_id = 0
        for _pindex, (process, count) in enumerate(self.processes, start=1):
            for i in range(1, count + 1):
                task_id += 1
                pending = clock + timedelta(milliseconds=self.pending_every_ms * i)
                submit = pending + timedelta(seconds=1)
                start = submit + timedelta(seconds=2 + i % 3)
                end = start + timedelta(seconds=self.task_seconds + (i * 7) % 11)
                task = SimTask(task_id, process, f"sample_{i}" if count > 1 else None, i, pending, submit, start, end)
                if task_id <= self.cached:
                    task.outcome = "CACHED"
                    task.submit_at = task.start_at = task.end_at = pending
                if process == self.fail_process and i == count:
                    task.outcome, task.exit = "FAILED", 1
                self.tasks.append(task)
            clock = max(t.end_at for t in self.tasks) - timedelta(seconds=self.task_seconds // 2)
        if self.fail_process:
            failed = next(t for t in self.tasks if t.outcome == "FAILED")
            self.tasks = [t for t in self.tasks if t.pending_at <= failed.end_at]
            self.end = failed.end_at + timedelta(seconds=3)
        else:
            self.end = max(t.end_at for t in self.tasks) + timedelta(seconds=3)
        self.containers_seen: set[str] = set()

    # ------------------------------------------------------------------ requests
    def create_request(self) -> dict:
        return {
            "sessionId": self.session_id,
            "runName": self.run_name,
            "projectName": "nextflow-io/hello",
            "repository": "https://github.com/nextflow-io/hello",
            "workflowId": self.tower_workflow_id,
            "instant": millis(self.start),
        }

    def workflow_map(self, workflow_id: str, *, complete: bool) -> dict:
        """WorkflowMetadata.toMap() as begin (no stats) and complete (no platform) send it."""
        failed = bool(self.fail_process)
        wf = {
            "runName": self.run_name,
            "scriptId": "1c1a6b1e2a1d7e0e8f4f3c2b1a0d9e8f7a6b5c4d",
            "scriptFile": "file:///root/.nextflow/assets/nextflow-io/hello/main.nf",
            "scriptName": "main.nf",
            "repository": "https://github.com/nextflow-io/hello",
            "commitId": "2ce0b0e2944adc3e3bd5d7b9bdc56b8b5f5d3b9a",
            "revision": "master",
            "start": offset_str(self.start + timedelta(seconds=2, milliseconds=345)),
            "complete": offset_str(self.end) if complete else None,
            "duration": millis(self.end) - millis(self.start) if complete else None,
            "container": "quay.io/nextflow/bash:latest",
            "commandLine": f"nextflow run 'https://github.com/nextflow-io/hello' -name {self.run_name} -with-tower 'http://127.0.0.1:8000/api' -r master",
            "nextflow": {
                "version": "25.04.6",
                "build": "5954",
                "timestamp": "2025-06-26T10:08:05Z",
                "enable": {"dsl": 2},
            },
            "success": (not failed) if complete else False,
            "projectDir": "file:///root/.nextflow/assets/nextflow-io/hello",
            "projectName": "nextflow-io/hello",
            "launchDir": "file:///",
            "outputDir": "file:///results",
            "workDir": self.work_dir,
            "homeDir": "file:///root",
            "userName": "root",
            "exitStatus": (1 if failed else 0) if complete else None,
            "errorMessage": "Process `ALIGN (sample_6)` terminated with an error exit status (1)"
            if complete and failed
            else None,
            "errorReport": (
                "Error executing process > 'ALIGN (sample_6)'\n\nCaused by:\n  Process `ALIGN (sample_6)` terminated with an error exit status (1)\n\nCommand executed:\n\n  align.sh sample_6\n\nCommand exit status:\n  1"
                if complete and failed
                else None
            ),
            "profile": "standard",
            "sessionId": self.session_id,
            "resume": bool(self.cached),
            "stubRun": False,
            "preview": False,
            "containerEngine": "docker",
            "wave": {"enabled": False},
            "fusion": {"enabled": False, "version": None},
            "configFiles": [
                "file:///root/.nextflow/assets/nextflow-io/hello/nextflow.config",
                "file:///nextflow.config",
            ],
            "manifest": {
                "author": None,
                "defaultBranch": "master",
                "description": "A Hello World pipeline",
                "homePage": "https://github.com/nextflow-io/hello",
                "gitmodules": None,
                "mainScript": "main.nf",
                "name": "nextflow-io/hello",
                "nextflowVersion": ">=23.10.0",
                "version": "1.0.0",
                "doi": None,
                "contributors": [],
                "license": None,
                "organization": None,
                "icon": None,
                "docsUrl": None,
                "recurseSubmodules": False,
            },
            "failOnIgnore": False,
            "params": {"greeting": "Bonjour", "outdir": "results", "fail": failed},
            "id": workflow_id,
            "configText": (
                "process {\n   executor = 'awsbatch'\n   queue = 'TowerForge-sandbox-work'\n}\n\n"
                "aws {\n   region = 'eu-west-1'\n}\n\nworkDir = '"
                + self.work_dir
                + "'\nrunName = '"
                + self.run_name
                + "'\n"
                "tower {\n   enabled = true\n   endpoint = 'http://127.0.0.1:8000/api'\n}\n"
            ),
            "operationId": None,
            "logFile": None,
            "outFile": None,
        }
        if complete:
            done = [t for t in self.tasks if t.status in ("COMPLETED", "CACHED", "FAILED")]
            ok = sum(t.status == "COMPLETED" for t in done)
            wf["stats"] = {
                "succeededCount": ok,
                "cachedCount": sum(t.status == "CACHED" for t in done),
                "failedCount": sum(t.status == "FAILED" for t in done),
                "ignoredCount": 0,
                "computeTimeFmt": "0.1",
                "succeedCountFmt": str(ok),
                "cachedCountFmt": "0",
                "failedCountFmt": "0",
                "ignoredCountFmt": "0",
                "succeedPct": 100.0,
                "cachedPct": 0.0,
                "failedPct": 0.0,
                "ignoredPct": 0.0,
                "succeedDuration": 120_000,
                "cachedDuration": 0,
                "failedDuration": 0,
            }
        else:
            wf["platform"] = {"workflowId": workflow_id, "workflowUrl": None}
        return wf

    def begin_request(self, workflow_id: str) -> dict:
        return {
            "workflow": self.workflow_map(workflow_id, complete=False),
            "processNames": [name for name, _ in self.processes],
            "towerLaunch": self.tower_workflow_id is not None,
            "instant": millis(self.start + timedelta(seconds=4)),
        }

    def progress_at(self, now: datetime) -> dict:
        """`WorkflowProgress` of WorkflowStats at `now` (quick stats: per-process records)."""
        records = {name: _progress_record(i, name) for i, (name, _) in enumerate(self.processes)}
        for t in self.tasks:
            r = records[t.process]
            key = {
                "NEW": "pending",
                "SUBMITTED": "submitted",
                "RUNNING": "running",
                "COMPLETED": "succeeded",
                "CACHED": "cached",
                "FAILED": "failed",
            }[t.status]
            r[key] += 1
            if t.status == "RUNNING":
                r["loadCpus"] += 2
                r["loadMemory"] += 4 * 1024**3
        for name, count in self.processes:
            r = records[name]
            r["peakRunning"] = max(r["peakRunning"], r["running"])
            reported = r["succeeded"] + r["cached"] + r["failed"]
            r["terminated"] = reported == count
        procs = list(records.values())
        total = {
            k: sum(p[k] for p in procs)
            for k in (
                "pending",
                "submitted",
                "running",
                "succeeded",
                "cached",
                "failed",
                "aborted",
                "retries",
                "ignored",
                "loadCpus",
                "loadMemory",
            )
        }
        return {
            **total,
            "peakRunning": max((p["peakRunning"] for p in procs), default=0),
            "peakCpus": 8,
            "peakMemory": 16 * 1024**3,
            "processes": procs,
        }

    def reports(self) -> list[tuple[str, dict]]:
        """The ordered ("progress" | "heartbeat", body) calls of `sendTasks0` for the whole run."""
        events: list[tuple[datetime, SimTask, str]] = []
        for t in self.tasks:
            if t.outcome == "CACHED":
                events.append((t.pending_at, t, "CACHED"))
                continue
            events += [(t.pending_at, t, "NEW"), (t.submit_at, t, "SUBMITTED"), (t.start_at, t, "RUNNING")]
            events.append((t.end_at, t, t.outcome))
        events = [e for e in events if e[0] <= self.end]
        events.sort(key=lambda e: (e[0], e[1].task_id))
        out: list[tuple[str, dict]] = []
        waiting: dict[int, SimTask] = {}
        previous = self.start + timedelta(seconds=4)
        queue = list(events)
        now = previous
        step = REQUEST_INTERVAL / 10
        while True:
            while queue and queue[0][0] <= now:
                _, task, status = queue.pop(0)
                task.status = status
                waiting[task.task_id] = task
            done = not queue and now >= self.end
            if not waiting:
                if now - previous > ALIVE_INTERVAL:
                    out.append(("heartbeat", {"progress": self.progress_at(now), "instant": millis(now)}))
                    previous = now
            elif now - previous > REQUEST_INTERVAL or len(waiting) >= TASKS_PER_REQUEST or done:
                batch = sorted(waiting.values(), key=lambda t: t.task_id)[:TASKS_PER_REQUEST]
                out.append(("progress", self.tasks_request(batch, now)))
                for t in batch:
                    waiting.pop(t.task_id)
                previous = now
            if done and not waiting:
                return out
            now += (
                step
                if queue and queue[0][0] - now < ALIVE_INTERVAL
                else min(ALIVE_INTERVAL, (queue[0][0] - now) if queue else step)
            )

    def tasks_request(self, batch: list[SimTask], now: datetime) -> dict:
        """`makeTasksReq`: the batch's records, the progress, containers first seen in it, instant."""
        containers = []
        for _t in batch:
            image = "quay.io/nextflow/bash:latest"
            if image not in self.containers_seen:
                self.containers_seen.add(image)
                containers.append(
                    {
                        "requestId": None,
                        "sourceImage": image,
                        "targetImage": image,
                        "buildId": None,
                        "mirrorId": None,
                        "scanId": None,
                        "cached": None,
                        "freeze": None,
                        "requestTime": None,
                    }
                )
        return {
            "tasks": [copy.deepcopy(t.record(self.work_dir)) for t in batch],
            "progress": self.progress_at(now),
            "containers": containers,
            "instant": millis(now),
        }

    def complete_request(self, workflow_id: str) -> dict:
        for t in self.tasks:  # the state at the end, whether or not the reports were played
            if t.end_at <= self.end:
                t.status = t.outcome
        metrics = [
            {
                "process": name,
                "cpu": {
                    "mean": 87.5,
                    "min": 80.0,
                    "q1": 85.0,
                    "q2": 87.5,
                    "q3": 90.0,
                    "max": 95.0,
                    "minLabel": f"{name} (1)",
                    "maxLabel": f"{name} (2)",
                    "q1Label": f"{name} (1)",
                    "q2Label": f"{name} (1)",
                    "q3Label": f"{name} (2)",
                },
                "mem": {
                    "mean": 52428800,
                    "min": 52428800,
                    "q1": 52428800,
                    "q2": 52428800,
                    "q3": 52428800,
                    "max": 52428800,
                },
                "time": {"mean": 25000, "min": 20000, "q1": 22000, "q2": 25000, "q3": 28000, "max": 30000},
            }
            for name, _ in self.processes
        ]
        return {
            "workflow": self.workflow_map(workflow_id, complete=True),
            "metrics": metrics,
            "progress": self.progress_at(self.end),
            "instant": millis(self.end),
        }

    def calls(self, workflow_id: str) -> list[tuple[str, dict]]:
        """Everything after create, in the order the plugin sends it: begin, reports, complete."""
        return [
            ("begin", self.begin_request(workflow_id)),
            *self.reports(),
            ("complete", self.complete_request(workflow_id)),
        ]
