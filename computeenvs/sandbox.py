"""AWS as it really behaves, played over moto (which makes everything usable at once and
enforces few preconditions). Used by the local sandbox of `make run` (realistic timing) and,
stricter and faster, by the tests (`tests/faults/`).

`AwsBehaviour.install()` hooks every client `workspaces.aws` builds; with `endpoint` set it
touches only clients of that endpoint (the loopback sandbox), so it is never active against
real AWS. What it adds, with AWS's own error codes and messages:

- Batch compute environments and job queues are CREATING, then UPDATING after an update, and
  DELETING after a delete, for `polls` describes and at least `seconds` seconds;
- a compute environment must be DISABLED, settled and in no job queue before it is deleted; a
  job queue must be DISABLED and settled before it is deleted; a queue can only use VALID
  compute environments; nothing busy can be updated;
- `CreateComputeEnvironment` referring to a role or instance profile younger than `iam_delay`
  seconds fails with the IAM-flavoured ClientException AWS gives during IAM propagation;
- a role still used by a compute environment (even one being deleted) cannot be deleted;
- at most `queue_quota` job queues per account and region;
- `jobStateTimeLimitActions` (moto drops them) are kept and described;
- FSx file systems are CREATING, then AVAILABLE (moto reports no Lifecycle at all).

`seed_sandbox` fills the sandbox account for a first start (see its docstring).

`fault` (tests only) is called as ``fault(phase, service, operation)`` with phase "before"
before each AWS call and "after" once AWS has done it (before the caller sees the answer); it
may raise to simulate a lost request or a lost answer.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from botocore.exceptions import ClientError
from django.conf import settings

SERVICES = ("batch", "iam", "fsx")


def _error(code: str, message: str, operation: str) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": 400}}, operation
    )


def _last(arn_or_name: str) -> str:
    return (arn_or_name or "").rsplit("/", 1)[-1]


class AwsBehaviour:
    def __init__(
        self,
        *,
        polls: int = 2,
        seconds: float = 0.0,
        iam_delay: float = 0.0,
        queue_quota: int = 50,
        endpoint: str | None = None,
        fault: Callable[[str, str, str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        invalid_reason: str | None = None,
    ):
        self.polls, self.seconds, self.iam_delay = polls, seconds, iam_delay
        self.queue_quota, self.endpoint, self.fault, self.clock = queue_quota, endpoint, fault, clock
        self.invalid_reason = invalid_reason  # every new compute environment ends INVALID with it
        self._lock = threading.RLock()
        self._local = threading.local()
        self.busy: dict[tuple[str, str], dict] = {}  # (kind, name) -> {status, left, until, then}
        self.deleting: dict[tuple[str, str], dict] = {}  # (kind, name) -> {left, until, last}
        self.born: dict[str, float] = {}  # IAM role / instance profile name -> creation time
        self.env_roles: dict[str, set[str]] = {}  # compute environment -> role names it uses
        self.queue_actions: dict[str, list] = {}
        self.fsx_ready: dict[str, dict] = {}
        self.invalid: dict[str, str] = {}  # compute environment -> statusReason once it turned INVALID
        self.calls: list[tuple[str, str]] = []  # (service, operation) of every call, in order

    # -- wiring
    def install(self) -> AwsBehaviour:
        from workspaces import aws

        aws.add_client_hook(self.attach)
        return self

    def uninstall(self) -> None:
        from workspaces import aws

        aws.remove_client_hook(self.attach)

    def attach(self, client) -> None:
        if self.endpoint is not None and client.meta.endpoint_url != self.endpoint:
            return  # never real AWS
        service = client.meta.service_model.service_name
        events = client.meta.events
        events.register(f"before-parameter-build.{service}", self._before(client, service))
        events.register(f"after-call.{service}", self._after(client, service))

    def _bypassed(self) -> bool:
        return getattr(self._local, "bypass", False)

    def _internal(self, call, *args, **kwargs):
        """A call of the layer itself: not checked, not counted, not faulted."""
        self._local.bypass = True
        try:
            return call(*args, **kwargs)
        finally:
            self._local.bypass = False

    def _timer(self) -> dict:
        return {"left": self.polls, "until": self.clock() + self.seconds}

    def _tick(self, entry: dict) -> bool:
        """One describe of a busy thing; True when it is done being busy."""
        entry["left"] -= 1
        return entry["left"] < 0 and self.clock() >= entry["until"]

    # -- before each call
    def _before(self, client, service: str):
        def handler(params, model, **kwargs):
            if self._bypassed():
                return
            operation = model.name
            with self._lock:
                self.calls.append((service, operation))
                if self.fault is not None:
                    self.fault("before", service, operation)
                check = getattr(self, f"_check_{service}_{operation}", None)
                if check is not None:
                    check(client, params)

        return handler

    def _check_batch_CreateComputeEnvironment(self, client, params):  # noqa: N802
        resources = params.get("computeResources") or {}
        names = [_last(params.get("serviceRole", "")), _last(resources.get("instanceRole", ""))]
        names.append(_last(resources.get("spotIamFleetRole", "")))
        now = self.clock()
        for name in filter(None, names):
            born = self.born.get(name)
            if born is not None and now - born < self.iam_delay:
                raise _error(
                    "ClientException",
                    f"CLIENT_ERROR - User: arn:aws:sts::123456789012:assumed-role/{name}/aws-batch is not authorized "
                    "to perform: sts:AssumeRole on resource: " + name,
                    "CreateComputeEnvironment",
                )

    def _queues(self, client) -> list[dict]:
        pages = self._internal(lambda: list(client.get_paginator("describe_job_queues").paginate()))
        return [q for page in pages for q in page["jobQueues"]]

    def _env(self, client, name: str) -> dict | None:
        found = self._internal(client.describe_compute_environments, computeEnvironments=[name])
        return found["computeEnvironments"][0] if found["computeEnvironments"] else None

    def _check_batch_CreateJobQueue(self, client, params):  # noqa: N802
        if len(self._queues(client)) + len(self.deleting_of("queue")) >= self.queue_quota:
            raise _error(
                "ClientException",
                f"Maximum number of job queues ({self.queue_quota}) reached for this account in this region.",
                "CreateJobQueue",
            )
        for entry in params.get("computeEnvironmentOrder") or []:
            name = _last(entry["computeEnvironment"])
            busy = self.busy.get(("env", name))
            if busy is not None or self._env(client, name) is None:
                raise _error(
                    "ClientException",
                    f"computeEnvironment {entry['computeEnvironment']} is not in VALID state.",
                    "CreateJobQueue",
                )
        self.queue_actions[params["jobQueueName"]] = params.get("jobStateTimeLimitActions") or []

    def deleting_of(self, kind: str) -> list[str]:
        return [name for k, name in self.deleting if k == kind]

    def _refuse_busy(self, kind: str, name: str, operation: str) -> None:
        busy = self.busy.get((kind, name))
        if busy is not None:
            raise _error("ClientException", f"Cannot {operation}: {name} is {busy['status']}.", operation)

    def _check_batch_UpdateComputeEnvironment(self, client, params):  # noqa: N802
        self._refuse_busy("env", _last(params["computeEnvironment"]), "UpdateComputeEnvironment")

    def _check_batch_UpdateJobQueue(self, client, params):  # noqa: N802
        self._refuse_busy("queue", _last(params["jobQueue"]), "UpdateJobQueue")

    def _check_batch_DeleteJobQueue(self, client, params):  # noqa: N802
        name = _last(params["jobQueue"])
        self._refuse_busy("queue", name, "DeleteJobQueue")
        found = self._internal(client.describe_job_queues, jobQueues=[name])["jobQueues"]
        if found and found[0].get("state") != "DISABLED":
            raise _error(
                "ClientException", f"Cannot delete job queue {name}: it must be DISABLED first.", "DeleteJobQueue"
            )
        if found:
            self._local.pending_delete = ("queue", name, found[0])

    def _check_batch_DeleteComputeEnvironment(self, client, params):  # noqa: N802
        name = _last(params["computeEnvironment"])
        self._refuse_busy("env", name, "DeleteComputeEnvironment")
        env = self._env(client, name)
        if env is None:
            return
        if env.get("state", "ENABLED") != "DISABLED":
            raise _error(
                "ClientException",
                f"Cannot delete compute environment {name}: its state must be DISABLED.",
                "DeleteComputeEnvironment",
            )
        for queue in self._queues(client):
            used = {_last(e["computeEnvironment"]) for e in queue.get("computeEnvironmentOrder", [])}
            if name in used:
                raise _error(
                    "ClientException", "Cannot delete, found existing JobQueue relationship", "DeleteComputeEnvironment"
                )
        self._local.pending_delete = ("env", name, env)

    def _check_iam_DeleteRole(self, client, params):  # noqa: N802
        name = params["RoleName"]
        for env, roles in self.env_roles.items():
            if name in roles:
                raise _error(
                    "DeleteConflict",
                    f"Cannot delete role {name}: compute environment {env} still uses it.",
                    "DeleteRole",
                )

    # -- after each call
    def _after(self, client, service: str):
        def handler(parsed, model, http_response=None, **kwargs):
            if self._bypassed():
                return
            operation = model.name
            status = getattr(http_response, "status_code", 200)
            with self._lock:
                if status < 300:
                    effect = getattr(self, f"_after_{service}_{operation}", None)
                    if effect is not None:
                        effect(client, parsed, kwargs.get("context") or {})
                if self.fault is not None and status < 300:
                    self.fault("after", service, operation)

        return handler

    def _after_iam_CreateRole(self, client, parsed, context):  # noqa: N802
        self.born[parsed["Role"]["RoleName"]] = self.clock()

    def _after_iam_CreateInstanceProfile(self, client, parsed, context):  # noqa: N802
        self.born[parsed["InstanceProfile"]["InstanceProfileName"]] = self.clock()

    def _after_batch_CreateComputeEnvironment(self, client, parsed, context):  # noqa: N802
        name = parsed["computeEnvironmentName"]
        env = self._env(client, name) or {}
        resources = env.get("computeResources") or {}
        self.env_roles[name] = {
            _last(r)
            for r in (env.get("serviceRole"), resources.get("spotIamFleetRole"), resources.get("instanceRole"))
            if r
        }
        self.busy[("env", name)] = {"status": "CREATING", **self._timer(), "then": self.invalid_reason}

    def _after_batch_CreateJobQueue(self, client, parsed, context):  # noqa: N802
        self.busy[("queue", parsed["jobQueueName"])] = {"status": "CREATING", **self._timer(), "then": None}

    def _after_batch_UpdateComputeEnvironment(self, client, parsed, context):  # noqa: N802
        self.busy[("env", parsed["computeEnvironmentName"])] = {"status": "UPDATING", **self._timer(), "then": None}

    def _after_batch_UpdateJobQueue(self, client, parsed, context):  # noqa: N802
        self.busy[("queue", parsed["jobQueueName"])] = {"status": "UPDATING", **self._timer(), "then": None}

    def _mark_deleting(self) -> None:
        pending = getattr(self._local, "pending_delete", None)
        if pending is None:
            return
        kind, name, last = pending
        self._local.pending_delete = None
        self.deleting[(kind, name)] = {**self._timer(), "last": {**last, "status": "DELETING"}}

    def _after_batch_DeleteComputeEnvironment(self, client, parsed, context):  # noqa: N802
        self._mark_deleting()

    def _after_batch_DeleteJobQueue(self, client, parsed, context):  # noqa: N802
        self._mark_deleting()

    def _described(self, kind: str, items: list[dict], name_key: str, requested: list[str] | None) -> None:
        for item in items:
            item.setdefault("state", "ENABLED")
            if kind == "env" and item[name_key] in self.invalid:
                item["status"], item["statusReason"] = "INVALID", self.invalid[item[name_key]]
            entry = self.busy.get((kind, item[name_key]))
            if entry is None:
                continue
            if self._tick(entry):
                del self.busy[(kind, item[name_key])]
                if entry.get("then"):
                    self.invalid[item[name_key]] = entry["then"]
                    item["status"], item["statusReason"] = "INVALID", entry["then"]
            else:
                item["status"] = entry["status"]
                item["statusReason"] = f"{kind} is {entry['status'].lower()}"
        for (k, name), entry in list(self.deleting.items()):
            if k != kind:
                continue
            arn = entry["last"].get("jobQueueArn" if kind == "queue" else "computeEnvironmentArn")
            if requested is not None and not ({name, arn} & set(requested)):
                continue
            if self._tick(entry):
                del self.deleting[(k, name)]
                if kind == "env":
                    self.env_roles.pop(name, None)
            else:
                items.append(dict(entry["last"]))

    def _after_batch_DescribeComputeEnvironments(self, client, parsed, context):  # noqa: N802
        self._described(
            "env",
            parsed.setdefault("computeEnvironments", []),
            "computeEnvironmentName",
            getattr(self._local, "requested", None),
        )

    def _after_batch_DescribeJobQueues(self, client, parsed, context):  # noqa: N802
        queues = parsed.setdefault("jobQueues", [])
        for queue in queues:
            if queue["jobQueueName"] in self.queue_actions:
                queue.setdefault("jobStateTimeLimitActions", self.queue_actions[queue["jobQueueName"]])
        self._described("queue", queues, "jobQueueName", getattr(self._local, "requested", None))

    def _after_fsx_CreateFileSystem(self, client, parsed, context):  # noqa: N802
        self.fsx_ready[parsed["FileSystem"]["FileSystemId"]] = self._timer()
        parsed["FileSystem"]["Lifecycle"] = "CREATING"

    def _after_fsx_DescribeFileSystems(self, client, parsed, context):  # noqa: N802
        for fs in parsed.get("FileSystems", []):
            if fs.get("Lifecycle") == "DELETING":
                continue
            entry = self.fsx_ready.get(fs["FileSystemId"])
            if entry is not None and not self._tick(entry):
                fs["Lifecycle"] = "CREATING"
            else:
                self.fsx_ready.pop(fs["FileSystemId"], None)
                fs["Lifecycle"] = "AVAILABLE"

    # which names a Batch describe asked for (None: all), recorded before the call, per thread
    def _check_batch_DescribeComputeEnvironments(self, client, params):  # noqa: N802
        self._local.requested = params.get("computeEnvironments") or None

    def _check_batch_DescribeJobQueues(self, client, params):  # noqa: N802
        self._local.requested = params.get("jobQueues") or None


def install_sandbox(endpoint: str) -> AwsBehaviour:
    """Called by the development start for the loopback sandbox only: realistic timing (a few
    seconds per state, 4 s of IAM propagation), every AWS precondition enforced."""
    return AwsBehaviour(endpoint=endpoint, polls=1, seconds=3.0, iam_delay=4.0).install()


# --------------------------------------------------------------------------- what the sandbox holds
REGION = "eu-west-1"
BUCKET = "sandbox-work"
HEAD_QUEUE = "sandbox-head"
COMPUTE_QUEUE = "sandbox-compute"
NAME = "sandbox"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "batch.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


@dataclass(frozen=True)
class Seeded:
    region: str
    bucket: str
    vpc: str
    subnets: tuple[str, ...]
    security_group: str
    head_queue: str
    compute_queue: str


def _exists(exc: ClientError) -> bool:
    code = exc.response.get("Error", {}).get("Code", "")
    message = exc.response.get("Error", {}).get("Message", "")
    return (
        code in ("EntityAlreadyExists", "BucketAlreadyOwnedByYou", "InvalidKeyPair.Duplicate")
        or "already exists" in message
    )


def seed_sandbox(credentials, *, endpoint: str) -> str:
    """What `make run` puts in its sandbox account, so a newcomer's forms have something to pick
    and a Manual compute environment can become AVAILABLE: a bucket, a VPC with two subnets and a
    security group, a key pair and a pair of job queues. Idempotent; refuses any endpoint but the
    loopback sandbox. Returns what it holds, for the start banner."""
    seeded = seed(credentials, endpoint=endpoint)
    return (
        f"The sandbox account holds, in {seeded.region}: bucket s3://{seeded.bucket}, VPC {seeded.vpc} with "
        f"{len(seeded.subnets)} subnets and a security group, and the job queues {seeded.head_queue} and "
        f"{seeded.compute_queue} for a Manual compute environment."
    )


def seed(credentials, *, endpoint: str) -> Seeded:
    from workspaces import aws

    if not endpoint or endpoint != settings.AWS_ENDPOINT_URL or not endpoint.startswith("http://127.0.0.1:"):
        raise RuntimeError("The sandbox seed runs only against the local AWS sandbox.")
    session = aws.session_for(credentials, REGION)

    def client(service):
        return aws.client(credentials, service, REGION, session=session)

    s3, ec2, iam, batch = client("s3"), client("ec2"), client("iam"), client("batch")
    _create_or_get(lambda: s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}))

    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [NAME]}])["Vpcs"]
    vpc = (
        vpcs[0]["VpcId"]
        if vpcs
        else ec2.create_vpc(CidrBlock="10.20.0.0/16", TagSpecifications=_named("vpc"))["Vpc"]["VpcId"]
    )
    subnets = [s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]]
    for index, zone in enumerate(("a", "b")[len(subnets) :], start=len(subnets)):
        subnets.append(
            ec2.create_subnet(
                VpcId=vpc, CidrBlock=f"10.20.{index}.0/24", AvailabilityZone=f"{REGION}{zone}",
                TagSpecifications=_named("subnet", f"{NAME}-{zone}"),
            )["Subnet"]["SubnetId"]
        )  # fmt: skip
    groups = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": [f"{NAME}-batch"]}]
    )["SecurityGroups"]
    group = (
        groups[0]["GroupId"]
        if groups
        else ec2.create_security_group(GroupName=f"{NAME}-batch", Description="Sandbox Batch instances", VpcId=vpc)[
            "GroupId"
        ]
    )
    _create_or_get(lambda: ec2.create_key_pair(KeyName=f"{NAME}-key"))

    role = _create_or_get(
        lambda: iam.create_role(RoleName=f"{NAME}-batch-service", AssumeRolePolicyDocument=json.dumps(TRUST)),
        lambda: iam.get_role(RoleName=f"{NAME}-batch-service"),
    )["Role"]
    profile = _create_or_get(
        lambda: iam.create_instance_profile(InstanceProfileName=f"{NAME}-instance"),
        lambda: iam.get_instance_profile(InstanceProfileName=f"{NAME}-instance"),
    )["InstanceProfile"]
    environments = batch.describe_compute_environments(computeEnvironments=[f"{NAME}-manual"])["computeEnvironments"]
    if environments:
        ce_arn = environments[0]["computeEnvironmentArn"]
    else:
        ce_arn = _retry_iam(lambda: batch.create_compute_environment(
            computeEnvironmentName=f"{NAME}-manual", type="MANAGED", state="ENABLED", serviceRole=role["Arn"],
            computeResources={
                "type": "EC2", "minvCpus": 0, "maxvCpus": 16, "instanceTypes": ["optimal"], "subnets": subnets,
                "securityGroupIds": [group], "instanceRole": profile["Arn"],
            },
        ))["computeEnvironmentArn"]  # fmt: skip
    _wait(
        lambda: (
            batch.describe_compute_environments(computeEnvironments=[ce_arn])["computeEnvironments"][0]["status"]
            == "VALID"
        )
    )
    existing = {q["jobQueueName"] for q in batch.describe_job_queues()["jobQueues"]}
    for queue in (HEAD_QUEUE, COMPUTE_QUEUE):
        if queue not in existing:
            batch.create_job_queue(
                jobQueueName=queue, state="ENABLED", priority=1,
                computeEnvironmentOrder=[{"order": 1, "computeEnvironment": ce_arn}],
            )  # fmt: skip
    _wait(
        lambda: all(
            q["status"] == "VALID"
            for q in batch.describe_job_queues(jobQueues=[HEAD_QUEUE, COMPUTE_QUEUE])["jobQueues"]
        )
    )
    return Seeded(REGION, BUCKET, vpc, tuple(subnets), group, HEAD_QUEUE, COMPUTE_QUEUE)


def _create_or_get(create, get=None):
    """Creates a sample resource, or (already there from an earlier start) reads it with `get`."""
    try:
        return create()
    except ClientError as exc:
        if not _exists(exc):
            raise
        return get() if get is not None else None


def _retry_iam(create, seconds: float = 60):
    """AWS refuses a compute environment whose roles are seconds old (IAM propagation)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return create()
        except ClientError as exc:
            if time.monotonic() > deadline or exc.response.get("Error", {}).get("Code") != "ClientException":
                raise
            time.sleep(1)


def _wait(ready, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        if time.monotonic() > deadline:
            raise RuntimeError("The sandbox compute environment did not become VALID.")
        time.sleep(0.5)


def _named(kind: str, name: str = NAME) -> list[dict]:
    return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}]}]
