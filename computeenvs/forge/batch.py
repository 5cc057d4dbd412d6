"""AWS Batch compute environments and job queues: ensure (look up by name, adopt if ours, else
create, wait until VALID) and dispose (DISABLE, wait, delete, wait until gone)."""

from __future__ import annotations

from computeenvs.forge.context import Context, ForgeError
from computeenvs.forge.names import is_ours

GONE = ("DELETED",)
BUSY = ("CREATING", "UPDATING", "DELETING")
JOB_QUEUE_QUOTA = 50  # per account and region (R27)


# -- lookups
def describe_env(ctx: Context, name: str) -> dict | None:
    found = ctx.client("batch").describe_compute_environments(computeEnvironments=[name])["computeEnvironments"]
    found = [e for e in found if e.get("status") not in GONE]
    return found[0] if found else None


def describe_queue(ctx: Context, name: str) -> dict | None:
    found = ctx.client("batch").describe_job_queues(jobQueues=[name])["jobQueues"]
    found = [q for q in found if q.get("status") not in GONE]
    return found[0] if found else None


def job_queues(ctx: Context) -> list[dict]:
    """Every job queue of the account in the CE's region (paginated)."""
    paginator = ctx.client("batch").get_paginator("describe_job_queues")
    return [q for page in paginator.paginate() for q in page["jobQueues"] if q.get("status") not in GONE]


def _wait_valid(ctx: Context, what: str, describe, name: str) -> dict:
    state: dict = {}

    def probe() -> bool:
        found = describe(ctx, name)
        if found is None:
            raise ForgeError(f"{what} {name} disappeared while Batch Forge waited for it to become VALID.")
        state["found"] = found
        if found.get("status") == "INVALID":
            reason = found.get("statusReason") or "no reason given"
            raise ForgeError(f"AWS Batch reports {what.lower()} {name} INVALID: {reason}")
        return found.get("status") == "VALID"

    ctx.wait(f"{what.lower()} {name} to become VALID", probe)
    return state["found"]


def _check_ours(ctx: Context, found: dict, what: str, name: str) -> None:
    if not is_ours(found.get("tags"), ctx.ce_id):
        raise ForgeError(
            f"A {what} named {name} already exists and was not made by Batch Forge for this compute environment; "
            "it is left alone."
        )


# -- compute environments
def _compute_resources(ctx: Context, resource) -> dict:
    s = resource.settings
    subnets, _ = ctx.network()
    resources = {
        "type": s["provisioningModel"],
        "minvCpus": s.get("minvCpus") or 0,
        "maxvCpus": s["maxvCpus"],
        "subnets": subnets,
        "securityGroupIds": ctx.security_groups(),
    }
    if s["provisioningModel"] == "FARGATE":
        return resources
    resources.update(
        allocationStrategy=s["allocationStrategy"],
        instanceTypes=list(s["instanceTypes"]) or ["optimal"],
        instanceRole=ctx.arns["instance_profile"],
        launchTemplate={"launchTemplateName": s["launchTemplate"], "version": "$Latest"},
        tags=resource.tags,
    )
    image = ctx.ami(s.get("amiSsmParameter"), s.get("ami") if not s.get("amiSsmParameter") else None)
    if image:
        resources["imageId"] = image
    if s.get("ec2KeyPair"):
        resources["ec2KeyPair"] = s["ec2KeyPair"]
    if s["provisioningModel"] == "SPOT":
        resources["bidPercentage"] = s["bidPercentage"]
        resources["spotIamFleetRole"] = ctx.arns["fleet_role"]
    return resources


def ensure_env(ctx: Context, resource) -> str:
    found = describe_env(ctx, resource.name)
    if found is not None:
        _check_ours(ctx, found, "Batch compute environment", resource.name)
    else:
        batch = ctx.client("batch")
        compute = _compute_resources(ctx, resource)
        ctx.with_iam_retry(
            lambda: batch.create_compute_environment(
                computeEnvironmentName=resource.name,
                type="MANAGED",
                state="ENABLED",
                serviceRole=ctx.arns["service_role"],
                computeResources=compute,
                tags=resource.tags,
            )
        )
    return _wait_valid(ctx, "Compute environment", describe_env, resource.name)["computeEnvironmentArn"]


def ensure_queue(ctx: Context, resource) -> str:
    found = describe_queue(ctx, resource.name)
    if found is not None:
        _check_ours(ctx, found, "Batch job queue", resource.name)
    else:
        env_step = resource.depends_on[0]
        s = resource.settings
        ctx.client("batch").create_job_queue(
            jobQueueName=resource.name,
            state=s["state"],
            priority=s["priority"],
            computeEnvironmentOrder=[{"order": 1, "computeEnvironment": ctx.arns[env_step]}],
            jobStateTimeLimitActions=s["jobStateTimeLimitActions"],
            tags=resource.tags,
        )
    return _wait_valid(ctx, "Job queue", describe_queue, resource.name)["jobQueueArn"]


# -- dispose: DISABLE, wait, delete, wait until gone ("not found" is done)
def _wait_for(ctx: Context, what: str, name: str, describe, predicate) -> dict | None:
    """Polls `describe` until `predicate(found)`; returns the last description (None: gone)."""
    last: dict = {}

    def probe() -> bool:
        last["found"] = describe(ctx, name)
        return predicate(last["found"])

    ctx.wait(f"{what} {name}", probe)
    return last["found"]


def _take_down(ctx: Context, what: str, name: str, describe, disable, delete) -> None:
    found = describe(ctx, name)
    if found is None:
        return
    if found.get("status") != "DELETING":
        if found.get("state") != "DISABLED":
            if found.get("status") in BUSY:
                found = _wait_for(ctx, what, name, describe, lambda f: f is None or f.get("status") not in BUSY)
                if found is None:
                    return
            disable()
        found = _wait_for(
            ctx,
            what,
            name,
            describe,
            lambda f: f is None or (f.get("state") == "DISABLED" and f.get("status") not in BUSY),
        )
        if found is None:
            return
        delete()
    _wait_for(ctx, what, name, describe, lambda f: f is None)


def dispose_queue(ctx: Context, name: str, arn: str) -> None:
    batch = ctx.client("batch")
    _take_down(
        ctx,
        "job queue",
        name,
        describe_queue,
        lambda: batch.update_job_queue(jobQueue=name, state="DISABLED"),
        lambda: batch.delete_job_queue(jobQueue=name),
    )


def dispose_env(ctx: Context, name: str, arn: str) -> None:
    batch = ctx.client("batch")
    _take_down(
        ctx,
        "compute environment",
        name,
        describe_env,
        lambda: batch.update_compute_environment(computeEnvironment=name, state="DISABLED"),
        lambda: batch.delete_compute_environment(computeEnvironment=name),
    )


# -- disable / enable (R37): the CE's job queues stop or start taking jobs
def set_queue_state(ctx: Context, name: str, state: str) -> None:
    """Sets a forged job queue ENABLED or DISABLED and waits until AWS has applied it; a queue that
    is gone counts as done (there is nothing left to take jobs)."""
    found = describe_queue(ctx, name)
    if found is None:
        return
    if found.get("status") in BUSY:
        found = _wait_for(ctx, "job queue", name, describe_queue, lambda f: f is None or f.get("status") not in BUSY)
        if found is None:
            return
    if found.get("state") != state:
        ctx.client("batch").update_job_queue(jobQueue=name, state=state)
    _wait_for(
        ctx,
        "job queue",
        name,
        describe_queue,
        lambda f: f is None or (f.get("state") == state and f.get("status") not in BUSY),
    )
