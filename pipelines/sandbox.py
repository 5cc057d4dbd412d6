"""Nextflow head jobs as AWS Batch really runs them, played over moto (whose Batch jobs, without
Docker, jump straight to SUCCEEDED and write no log). Used by the local sandbox of `make run`
(a thread plays each head job over a few seconds) and by the tests (one step per DescribeJobs
of the job, so every state can be seen).

`BatchRunner.install()` hooks every client `workspaces.aws` builds; with `endpoint` set it touches
only clients of that endpoint (the loopback sandbox), so it is never active against real AWS.
For each job named ``nf-workflow-<runId>`` it plays:

- SUBMITTED → RUNNABLE → STARTING → RUNNING, then SUCCEEDED (exit 0), or FAILED (exit 1,
  "Essential container in task exited") when the run's parameters hold ``sandbox_fail: true``;
- a Nextflow-looking log of the named pipeline, written to CloudWatch Logs in the job's log group
  (``/aws/batch/job`` or its definition's ``awslogs-group``) under ``<definition>/default/<task id>``,
  the stream `DescribeJobs` reports once the job runs;
- task jobs ``tw-<runId>-<process>_<n>`` submitted to the compute queue of the run's Nextflow config,
  RUNNING while the workflow runs and SUCCEEDED with it;
- `TerminateJob` / `CancelJob` of a played job: FAILED with the given reason (exit 143 once it ran).

`DescribeJobs` and `ListJobs` answers are rewritten with the played states. `submitted` keeps the
parameters of every `SubmitJob` (tests check the job's shape there). `reporters` (see
`add_reporter`) are told about starts, tasks and completions, so the trace API can report as
Nextflow would.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import re
import shlex
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import yaml

logger = logging.getLogger(__name__)

HEAD_PREFIX = "nf-workflow-"
TASK_DEFINITION = "nf-sandbox-task"
FINAL = ("SUCCEEDED", "FAILED")
PROCESSES = ("sayHello",)
GREETINGS = ("Hello", "Bonjour", "Ciao", "Hola")
_reporters: list[Callable] = []


def add_reporter(reporter: Callable) -> None:
    """`reporter(event, play, **data)` for "started", "task" and "completed" (see `BatchRunner`)."""
    if reporter not in _reporters:
        _reporters.append(reporter)


def remove_reporter(reporter: Callable) -> None:
    if reporter in _reporters:
        _reporters.remove(reporter)


@dataclass
class Task:
    job_id: str
    name: str
    process: str
    index: int
    status: str = "SUBMITTED"


@dataclass
class Play:
    """One head job being played."""

    job_id: str
    job_name: str
    run_id: str
    region: str
    environment: dict[str, str]
    repository: str
    run_name: str
    compute_queue: str
    log_group: str
    definition_name: str
    fail: bool
    client: object = field(repr=False, default=None)
    logs: object = field(repr=False, default=None)
    status: str = "SUBMITTED"
    status_reason: str = ""
    step: int = 0
    next_at: float = 0.0
    started_at: int | None = None
    stopped_at: int | None = None
    exit_code: int | None = None
    log_stream: str = ""
    tasks: list[Task] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.status in FINAL


def _now_ms() -> int:
    return int(time.time() * 1000)


def _decode(value: str) -> str:
    try:
        return base64.b64decode(value).decode() if value else ""
    except ValueError:
        return ""


def _params(environment: dict[str, str]) -> dict:
    text = _decode(environment.get("NXF_PARAMS_BASE64", ""))
    try:
        value = yaml.safe_load(text) if text else {}
    except yaml.YAMLError:
        return {}
    return value if isinstance(value, dict) else {}


def _nextflow_argv(command: list[str]) -> list[str]:
    for line in (command[-1] if command else "").splitlines():
        if line.startswith("nextflow run "):
            return shlex.split(line.split(" 2>&1")[0])
    return []


def _argument(argv: list[str], flag: str) -> str:
    return argv[argv.index(flag) + 1] if flag in argv and argv.index(flag) + 1 < len(argv) else ""


def _compute_queue(environment: dict[str, str]) -> str:
    match = re.search(r"^process\.queue = '([^']+)'", _decode(environment.get("NXF_CONFIG_BASE64", "")), re.M)
    return match.group(1) if match else ""


class BatchRunner:
    def __init__(
        self,
        *,
        endpoint: str | None = None,
        per_poll: bool = False,
        step_seconds: float = 1.5,
        tasks: int = 4,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.endpoint, self.per_poll, self.step_seconds, self.task_count = endpoint, per_poll, step_seconds, tasks
        self.clock = clock
        self.plays: dict[str, Play] = {}
        self.tasks: dict[str, Task] = {}
        self.submitted: dict[str, dict] = {}  # job id -> SubmitJob parameters
        self._lock = threading.RLock()
        self._local = threading.local()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    # -- wiring
    def install(self) -> BatchRunner:
        from workspaces import aws

        aws.add_client_hook(self.attach)
        return self

    def uninstall(self) -> None:
        from workspaces import aws

        aws.remove_client_hook(self.attach)
        self._stop.set()

    def start_thread(self) -> BatchRunner:
        """Plays the jobs by the clock in the background (the sandbox), not only when described."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="sandbox-batch-runner", daemon=True)
            self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(0.5):
            try:
                self.advance()
            except Exception:  # noqa: BLE001 - the sandbox keeps playing the other jobs
                logger.exception("The sandbox Batch runner failed a step")

    def attach(self, client) -> None:
        if self.endpoint is not None and client.meta.endpoint_url != self.endpoint:
            return  # never real AWS
        if client.meta.service_model.service_name != "batch":
            return
        events = client.meta.events
        events.register("before-parameter-build.batch", self._before(client))
        events.register("after-call.batch", self._after(client))

    def _internal(self, call, *args, **kwargs):
        self._local.bypass = True
        try:
            return call(*args, **kwargs)
        finally:
            self._local.bypass = False

    def _bypassed(self) -> bool:
        return getattr(self._local, "bypass", False)

    def _before(self, client):
        def handler(params, model, **kwargs):
            if not self._bypassed():
                self._local.params = dict(params)

        return handler

    def _after(self, client):
        def handler(parsed, model, http_response=None, **kwargs):
            if self._bypassed() or getattr(http_response, "status_code", 200) >= 300:
                return
            effect = getattr(self, f"_after_{model.name}", None)
            if effect is not None:
                with self._lock:
                    try:
                        effect(client, parsed, getattr(self._local, "params", {}))
                    except Exception:  # noqa: BLE001 - the caller gets AWS's answer; the play is what failed
                        logger.exception("The sandbox Batch runner failed after %s", model.name)

        return handler

    # -- AWS calls
    def _after_SubmitJob(self, client, parsed, params):  # noqa: N802
        job_id = parsed["jobId"]
        self.submitted[job_id] = params
        name = params.get("jobName", "")
        if not name.startswith(HEAD_PREFIX):
            return
        overrides = params.get("containerOverrides") or {}
        environment = {e["name"]: e["value"] for e in overrides.get("environment") or []}
        argv = _nextflow_argv(overrides.get("command") or [])
        definition = params.get("jobDefinition", "").rsplit("/", 1)[-1].split(":")[0]
        self.plays[job_id] = Play(
            job_id=job_id,
            job_name=name,
            run_id=name[len(HEAD_PREFIX) :],
            region=client.meta.region_name,
            environment=environment,
            repository=argv[2] if len(argv) > 2 else "",
            run_name=_argument(argv, "-name"),
            compute_queue=_compute_queue(environment),
            log_group=self._log_group(client, params.get("jobDefinition", "")),
            definition_name=definition,
            fail=bool(_params(environment).get("sandbox_fail")),
            client=client,
            next_at=self.clock() + self.step_seconds,
        )

    def _log_group(self, client, definition: str) -> str:
        name, _, revision = definition.rsplit("/", 1)[-1].partition(":")
        found = self._internal(client.describe_job_definitions, jobDefinitionName=name).get("jobDefinitions", [])
        found = [d for d in found if not revision or str(d.get("revision")) == revision]
        options = (
            ((found[-1].get("containerProperties") or {}).get("logConfiguration") or {}).get("options")
            if found
            else None
        )
        return (options or {}).get("awslogs-group") or "/aws/batch/job"

    def _after_DescribeJobs(self, client, parsed, params):  # noqa: N802
        if self.per_poll:
            for job in parsed.get("jobs", []):
                play = self.plays.get(job["jobId"])
                if play is not None and not play.done:
                    self._step(play)
        else:
            self.advance()
        for job in parsed.get("jobs", []):
            self._describe(job)

    def _after_ListJobs(self, client, parsed, params):  # noqa: N802
        for summary in parsed.get("jobSummaryList", []):
            if summary["jobId"] in self.plays:
                summary["status"] = self.plays[summary["jobId"]].status
            elif summary["jobId"] in self.tasks:
                summary["status"] = self.tasks[summary["jobId"]].status

    def _after_TerminateJob(self, client, parsed, params):  # noqa: N802
        self._terminated(params.get("jobId", ""), params.get("reason", ""), terminate=True)

    def _after_CancelJob(self, client, parsed, params):  # noqa: N802
        self._terminated(params.get("jobId", ""), params.get("reason", ""), terminate=False)

    def _terminated(self, job_id: str, reason: str, *, terminate: bool) -> None:
        task = self.tasks.get(job_id)
        if task is not None and task.status not in FINAL:
            if terminate or task.status in ("SUBMITTED", "PENDING", "RUNNABLE"):
                task.status = "FAILED"
            return
        play = self.plays.get(job_id)
        if play is None or play.done:
            return
        if not terminate and play.status in ("STARTING", "RUNNING"):
            return  # CancelJob leaves a started job alone (AWS)
        started = play.status == "RUNNING"
        if started:
            self._log(
                play,
                [
                    "Received SIGTERM: Nextflow stops the workflow",
                    "Execution cancelled -- Finishing pending tasks before exit",
                ],
            )
        self._finish(play, "FAILED", reason or "Terminated", 143 if started else None)

    def _describe(self, job: dict) -> None:
        play = self.plays.get(job["jobId"])
        if play is not None:
            job["status"] = play.status
            if play.status_reason:
                job["statusReason"] = play.status_reason
            else:
                job.pop("statusReason", None)
            container = job.setdefault("container", {})
            container.pop("exitCode", None)
            container.pop("logStreamName", None)
            job.pop("startedAt", None)
            job.pop("stoppedAt", None)
            if play.log_stream:
                container["logStreamName"] = play.log_stream
            if play.started_at:
                job["startedAt"] = play.started_at
            if play.stopped_at:
                job["stoppedAt"] = play.stopped_at
                if play.exit_code is not None:
                    container["exitCode"] = play.exit_code
                    if play.exit_code:
                        container["reason"] = "Essential container in task exited"
            return
        task = self.tasks.get(job["jobId"])
        if task is not None:
            job["status"] = task.status

    # -- the play
    def advance(self) -> None:
        """Plays every step that is due by the clock."""
        with self._lock:
            now = self.clock()
            for play in list(self.plays.values()):
                while not play.done and play.next_at <= now:
                    self._step(play)
                    play.next_at += self.step_seconds

    def _steps(self):
        """Head job states, the Nextflow header, the tasks submitted, each task ending, the end."""
        return (
            lambda p: self._state(p, "RUNNABLE"),
            lambda p: self._state(p, "STARTING"),
            self._running,
            self._submit_tasks,
            *(lambda p, n=n: self._task_done(p, n) for n in range(1, self.task_count + 1)),
            self._complete,
        )

    def _step(self, play: Play) -> None:
        steps = self._steps()
        if play.step < len(steps):
            steps[play.step](play)
            play.step += 1

    def _state(self, play: Play, status: str) -> None:
        play.status = status

    def _running(self, play: Play) -> None:
        play.status, play.started_at = "RUNNING", _now_ms()
        play.log_stream = f"{play.definition_name}/default/{uuid.uuid4().hex}"
        revision = _argument(_nextflow_argv(self.submitted[play.job_id]["containerOverrides"]["command"]), "-r")
        self._log(
            play,
            [
                f"Nextflow launcher: session {play.environment.get('NXF_UUID', '')}",
                "",
                " N E X T F L O W  ~  version 24.10.2",
                "",
                f"Pulling {play.repository} ...",
                f"Launching `{play.repository}` [{play.run_name}] DSL2 - revision: 1d71f857bb [{revision or 'master'}]",
                "",
            ],
        )
        self._report("started", play)

    def _submit_tasks(self, play: Play) -> None:
        client = play.client
        if play.compute_queue and self.task_count:
            definition = self._task_definition(client)
            for n in range(1, self.task_count + 1):
                process = PROCESSES[(n - 1) % len(PROCESSES)]
                name = f"tw-{play.run_id}-{process}_{n}"
                job = self._internal(
                    client.submit_job, jobName=name, jobQueue=play.compute_queue, jobDefinition=definition
                )
                task = Task(job_id=job["jobId"], name=name, process=process, index=n, status="RUNNING")
                self.tasks[task.job_id] = task
                play.tasks.append(task)
                self._report("task", play, process=process, task_id=n, name=name, status="RUNNING")
        self._log(
            play,
            [f"executor >  awsbatch ({self.task_count})"]
            + [
                f"[{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex[:6]}] Submitted process > {t.process} ({t.index})"
                for t in play.tasks
            ],
        )

    def _task_definition(self, client) -> str:
        found = self._internal(client.describe_job_definitions, jobDefinitionName=TASK_DEFINITION, status="ACTIVE")
        if found.get("jobDefinitions"):
            return TASK_DEFINITION
        self._internal(
            client.register_job_definition,
            jobDefinitionName=TASK_DEFINITION,
            type="container",
            containerProperties={"image": "quay.io/nextflow/bash", "vcpus": 1, "memory": 1024, "command": ["true"]},
        )
        return TASK_DEFINITION

    def _task_done(self, play: Play, index: int) -> None:
        task = next((t for t in play.tasks if t.index == index), None)
        if task is None:
            return
        failing = play.fail and index == 2
        task.status = "FAILED" if failing else "SUCCEEDED"
        self._report("task", play, process=task.process, task_id=index, name=task.name, status=task.status)
        if not failing:
            self._log(play, [f"{GREETINGS[(index - 1) % len(GREETINGS)]} world!"])
            return
        self._log(
            play,
            [
                f"ERROR ~ Error executing process > '{task.process} ({index})'",
                "",
                "Caused by:",
                f"  Process `{task.process} ({index})` terminated with an error exit status (1)",
                "",
                "Command exit status:",
                "  1",
            ],
        )

    def _complete(self, play: Play) -> None:
        succeeded = sum(t.status == "SUCCEEDED" for t in play.tasks)
        if play.fail:
            self._log(play, ["", "Execution halted: the sandbox was asked to fail (sandbox_fail: true)"])
            self._finish(play, "FAILED", "Essential container in task exited", 1)
        else:
            self._log(
                play,
                [
                    "",
                    f"Completed at: {time.strftime('%d-%b-%Y %H:%M:%S')}",
                    f"Duration    : {max(1, len(self._steps()) * int(self.step_seconds))}s",
                    "CPU hours   : (a few seconds)",
                    f"Succeeded   : {succeeded}",
                ],
            )
            self._finish(play, "SUCCEEDED", "", 0)

    def _finish(self, play: Play, status: str, reason: str, exit_code: int | None) -> None:
        play.status, play.status_reason, play.exit_code = status, reason, exit_code
        play.stopped_at = _now_ms()
        if play.started_at is None and exit_code is not None:
            play.started_at = play.stopped_at
        self._report("completed", play, success=status == "SUCCEEDED", exit_status=exit_code)

    def _report(self, event: str, play: Play, **data) -> None:
        for reporter in list(_reporters):
            try:
                reporter(event, play, **data)
            except Exception:  # noqa: BLE001 - a reporter never stops the play
                logger.exception("Sandbox reporter %r failed on %s", reporter, event)

    # -- CloudWatch
    def _logs_client(self, play: Play):
        import botocore.session

        batch = play.client
        credentials = batch._request_signer._credentials.get_frozen_credentials()
        return botocore.session.get_session().create_client(
            "logs",
            region_name=play.region,
            endpoint_url=self.endpoint,
            aws_access_key_id=credentials.access_key,
            aws_secret_access_key=credentials.secret_key,
            aws_session_token=credentials.token,
        )

    def _log(self, play: Play, lines: list[str]) -> None:
        if not play.log_stream or not lines:
            return
        if play.logs is None:
            play.logs = self._logs_client(play)
        logs = play.logs
        for create, kwargs in (
            (logs.create_log_group, {"logGroupName": play.log_group}),
            (logs.create_log_stream, {"logGroupName": play.log_group, "logStreamName": play.log_stream}),
        ):
            with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
                create(**kwargs)
        now = _now_ms()
        logs.put_log_events(
            logGroupName=play.log_group,
            logStreamName=play.log_stream,
            logEvents=[{"timestamp": now, "message": line or " "} for line in lines],
        )


_installed: BatchRunner | None = None


def install_sandbox(endpoint: str) -> BatchRunner:
    """Called by the development start for the loopback sandbox only: head jobs played over a few seconds."""
    global _installed
    _installed = BatchRunner(endpoint=endpoint, step_seconds=2.0).install().start_thread()
    return _installed


# --------------------------------------------------------------------------- what the sandbox holds
DEMO_COMPUTE_ENV = "sandbox-forge"
DEMO_PIPELINE = "hello"
DEMO_REPOSITORY = "https://github.com/nextflow-io/hello"


def seed_sandbox(credentials, *, endpoint: str) -> str:
    """The demo workspace's Batch Forge compute environment (forged by the worker at first start,
    forged again after a restart, when the sandbox has forgotten it) and the saved pipeline
    ``hello`` (nextflow-io/hello) on it. Idempotent; refuses any endpoint but the loopback sandbox."""
    from django.conf import settings

    from computeenvs import services as ce_services
    from computeenvs.models import ComputeEnv
    from computeenvs.sandbox import BUCKET, REGION
    from pipelines import services
    from pipelines.models import Pipeline

    if not endpoint or endpoint != settings.AWS_ENDPOINT_URL or not endpoint.startswith("http://127.0.0.1:"):
        raise RuntimeError("The sandbox seed runs only against the local AWS sandbox.")
    workspace = credentials.workspace
    ce = ComputeEnv.objects.filter(workspace=workspace, name=DEMO_COMPUTE_ENV).first()
    if ce is None:
        ce = ce_services.create_compute_env(
            workspace=workspace,
            created_by=credentials.created_by,
            name=DEMO_COMPUTE_ENV,
            description="Forged in the local AWS sandbox at the first start.",
            credentials=credentials,
            config={"region": REGION, "workDir": f"s3://{BUCKET}/scratch", "forge": {"type": "EC2", "maxCpus": 32}},
            label_ids=[],
        )
    elif ce.status in (ComputeEnv.Status.AVAILABLE, ComputeEnv.Status.INVALID, ComputeEnv.Status.ERRORED):
        ce_services.validate_compute_env(ce)  # after a restart its queues are gone: INVALID, then forged again
        if ce.status != ComputeEnv.Status.AVAILABLE:
            ce_services.retry_forge(ce=ce)
    if not Pipeline.objects.filter(workspace=workspace, name=DEMO_PIPELINE).exists():
        services.create_pipeline(
            workspace=workspace,
            created_by=credentials.created_by,
            name=DEMO_PIPELINE,
            description="Nextflow's hello world, played by the sandbox (add sandbox_fail: true to the parameters to see a failure).",
            settings={"repository": DEMO_REPOSITORY, "revision": "master", "params_text": "greeting: Hello\n"},
            compute_env=ce,
        )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        ce.refresh_from_db()
        if ce.status != ComputeEnv.Status.CREATING:
            break
        time.sleep(1)
    if (
        ce.status == ComputeEnv.Status.AVAILABLE
        and not ComputeEnv.objects.filter(workspace=workspace, primary=True).exists()
    ):
        ce_services.make_primary(ce=ce)
    return (
        f"The demo workspace has the Batch Forge compute environment {ce.name} ({ce.status}) and the saved "
        f"pipeline {DEMO_PIPELINE} ({DEMO_REPOSITORY}); launched runs are played by the sandbox."
    )
