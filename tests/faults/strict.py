"""The strict AWS layer of the tests (moto + `computeenvs.sandbox.AwsBehaviour` with every check
on and states lasting a few polls), an exact inventory of what Forge can make, and helpers to
forge and dispose a CE through its services."""

from __future__ import annotations

import boto3

from computeenvs import services
from computeenvs.models import ComputeEnv
from computeenvs.sandbox import AwsBehaviour

REGION = "us-east-1"

# Every option that makes Forge create a resource: Spot (fleet role), execution role (none
# given), a named log group, a new EFS and a new FSx, DRAGEN.
FULL_DOC = {
    "region": REGION,
    "workDir": "s3://acme-work/scratch",
    "logGroup": "/acme/forge-logs",
    "forge": {
        "type": "SPOT",
        "maxCpus": 64,
        "efsCreate": True,
        "fsxSize": 1200,
        "dragenEnabled": True,
        "dragenInstanceType": "m5.xlarge",  # moto knows no f1/f2 types
    },
}
SIMPLE_DOC = {"region": REGION, "workDir": "s3://acme-work/scratch", "forge": {"type": "SPOT", "maxCpus": 16}}


def strict_layer(**kwargs) -> AwsBehaviour:
    options = {"polls": 2, "seconds": 0.0, "iam_delay": 0.15, "queue_quota": 50}
    options.update(kwargs)
    return AwsBehaviour(**options).install()


_CLIENTS: dict = {}


def _client(service: str, region: str):
    """Plain boto3 clients (no strict layer), made once: moto answers any client while it is active."""
    if (service, region) not in _CLIENTS:
        _CLIENTS[(service, region)] = boto3.Session(region_name=region).client(service)
    return _CLIENTS[(service, region)]


def _all(client, method: str, key: str, **kwargs) -> list:
    if client.can_paginate(method):
        return [item for page in client.get_paginator(method).paginate(**kwargs) for item in page[key]]
    return getattr(client, method)(**kwargs)[key]


def inventory(region: str = REGION, *, client=_client) -> set[tuple[str, str]]:
    """Everything of the kinds Forge makes in the (moto) account, as (kind, name) pairs.

    `client(service, region)` builds the clients (default: in-process moto; e.g. a moto server's)."""
    iam, batch, ec2 = client("iam", region), client("batch", region), client("ec2", region)
    efs, fsx, logs = client("efs", region), client("fsx", region), client("logs", region)
    items = {("role", r["RoleName"]) for r in _all(iam, "list_roles", "Roles")}
    for role in list(items):
        for policy in _all(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=role[1]):
            items.add(("role-policy", f"{role[1]}:{policy['PolicyName']}"))
        for name in _all(iam, "list_role_policies", "PolicyNames", RoleName=role[1]):
            items.add(("role-inline", f"{role[1]}:{name}"))
    for profile in _all(iam, "list_instance_profiles", "InstanceProfiles"):
        items.add(("instance-profile", profile["InstanceProfileName"]))
        items |= {("profile-role", f"{profile['InstanceProfileName']}:{r['RoleName']}") for r in profile["Roles"]}
    # moto returns at most MaxResults (default 15) launch templates and no NextToken
    templates = ec2.describe_launch_templates(MaxResults=200)["LaunchTemplates"]
    items |= {("launch-template", t["LaunchTemplateName"]) for t in templates}
    items |= {
        ("security-group", g["GroupName"])
        for g in _all(ec2, "describe_security_groups", "SecurityGroups")
        if g["GroupName"] != "default"
    }
    items |= {
        ("compute-env", e["computeEnvironmentName"])
        for e in _all(batch, "describe_compute_environments", "computeEnvironments")
    }
    items |= {("job-queue", q["jobQueueName"]) for q in _all(batch, "describe_job_queues", "jobQueues")}
    for fs in _all(efs, "describe_file_systems", "FileSystems"):
        items.add(("efs", fs["CreationToken"]))
        targets = efs.describe_mount_targets(FileSystemId=fs["FileSystemId"])["MountTargets"]
        items |= {("mount-target", t["SubnetId"]) for t in targets}
    items |= {("fsx", fs["FileSystemId"]) for fs in _all(fsx, "describe_file_systems", "FileSystems")}
    items |= {("log-group", g["logGroupName"]) for g in _all(logs, "describe_log_groups", "logGroups")}
    return items


def forge(ce: ComputeEnv) -> ComputeEnv:
    services.forge_compute_env(ce_id=ce.pk, workspace_id=ce.workspace_id)
    ce.refresh_from_db()
    return ce


def dispose(ce: ComputeEnv) -> bool:
    """Deletes `ce` through the service and runs the dispose it enqueues; True when the row is gone."""
    if ce.status != ComputeEnv.Status.DELETING:
        services.delete_compute_env(ce=ce)
    services.dispose_compute_env(ce_id=ce.pk, workspace_id=ce.workspace_id)
    return not ComputeEnv.objects.filter(pk=ce.pk).exists()
