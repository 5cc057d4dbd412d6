"""The checks of a compute environment against AWS: its job queues (present, enabled, valid, the
head queue on On-Demand capacity), its work directory's bucket (reachable, same region) and, before
forging, the account's job-queue quota. Read-only calls through `workspaces.aws`."""

from __future__ import annotations

from django.conf import settings

from computeenvs.models import ComputeEnv
from workspaces import aws


def _queue_problem(label: str, name: str, queues: dict[str, dict], region: str) -> str | None:
    queue = queues.get(name)
    if queue is None:
        return f"{label} queue {name} was not found in {region}."
    if queue.get("state", "ENABLED") != "ENABLED":
        return f"{label} queue {name} is {queue.get('state')}; enable it."
    if queue.get("status", "VALID") != "VALID":
        reason = queue.get("statusReason") or ""
        return f"{label} queue {name} is {queue.get('status')}{': ' + reason if reason else ''}."
    return None


SPOT_TYPES = ("SPOT", "FARGATE_SPOT")


def _head_queue_spot_problem(batch, name: str, queue: dict) -> str | None:
    """R28: the head queue must be backed by On-Demand capacity (a reclaimed head job kills the run)."""
    envs = [entry["computeEnvironment"] for entry in queue.get("computeEnvironmentOrder", [])]
    if not envs:
        return f"Head queue {name} has no compute environment."
    described = batch.describe_compute_environments(computeEnvironments=envs).get("computeEnvironments", [])
    spot = [
        e["computeEnvironmentName"] for e in described if (e.get("computeResources") or {}).get("type") in SPOT_TYPES
    ]
    if spot:
        return (
            f"Head queue {name} is backed by Spot capacity ({', '.join(spot)}): AWS can reclaim the head job and end "
            "the run. Use a queue backed by an On-Demand compute environment for the head job."
        )
    return None


def _bucket_region(s3, bucket: str) -> str:
    response = s3.head_bucket(Bucket=bucket)
    region = response.get("BucketRegion") or response.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get(
        "x-amz-bucket-region"
    )
    if not region:
        region = s3.get_bucket_location(Bucket=bucket).get("LocationConstraint") or "us-east-1"
    return region


def check_compute_env(ce: ComputeEnv) -> list[str]:
    """The failing checks of `ce` against AWS (empty when all pass). Raises aws.AwsError."""
    config, region = ce.config, ce.region
    problems: list[str] = []
    session = aws.session_for(ce.credentials, region)
    head, compute = config.get("headQueue", ""), config.get("computeQueue", "")
    names = [n for n in dict.fromkeys([head, compute]) if n]
    batch = aws.client(ce.credentials, "batch", region, session=session)
    queues: dict[str, dict] = {}
    for queue in batch.describe_job_queues(jobQueues=names).get("jobQueues", []):
        queues[queue["jobQueueName"]] = queues[queue["jobQueueArn"]] = queue  # a queue may be given by ARN
    for label, name in (("Head", head), ("Compute", compute)):
        if not name:
            problems.append(f"{label} queue is not set.")
        elif problem := _queue_problem(label, name, queues, region):
            problems.append(problem)
    if head in queues and not ce.is_forge and (problem := _head_queue_spot_problem(batch, head, queues[head])):
        problems.append(problem)
    work_dir = config.get("workDir", "")
    if work_dir.startswith("s3://"):
        bucket = work_dir[5:].split("/", 1)[0]
        s3 = aws.client(ce.credentials, "s3", region, session=session)
        try:
            bucket_region = _bucket_region(s3, bucket)
        except aws.AwsError as exc:
            problems.append(f"Work directory bucket {bucket} cannot be reached: {aws.error_message(exc)}.")
        else:
            if bucket_region != region:
                problems.append(
                    f"Work directory bucket {bucket} is in region {bucket_region}, but the compute environment "
                    f"is in {region}; they must be the same."
                )
    return problems


def check_queue_quota(ctx, plan_resources) -> str | None:
    """R27: why forging would exceed the account's job-queue quota in the region (None: it fits)."""
    from computeenvs.forge import batch
    from computeenvs.forge.names import Kind

    ours = {r.name for r in plan_resources if r.kind == Kind.BATCH_QUEUE}
    existing = [q for q in batch.job_queues(ctx) if q["jobQueueName"] not in ours]
    quota = int(getattr(settings, "FORGE_JOB_QUEUE_QUOTA", batch.JOB_QUEUE_QUOTA))
    missing = len(ours)
    if len(existing) + missing > quota:
        return (
            f"AWS Batch allows {quota} job queues per account in {ctx.region}; {len(existing)} exist and this compute "
            f"environment needs {missing} more. Delete unused job queues or ask AWS for a higher quota, then "
            "retry."
        )
    return None
