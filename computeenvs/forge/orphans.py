"""Orphan scan: resources in an AWS account and region that Batch Forge names (prefix) or tags
(``forge:ce-id``) but that no ledger holds, e.g. left by a CE deleted with force, or by a
workspace deleted before disposal existed. `dispose_orphans` removes them in dispose order."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings

from computeenvs.forge import batch
from computeenvs.forge.context import Context
from computeenvs.forge.dispose import DISPOSE
from computeenvs.forge.names import CE_ID_LENGTH, TAG_CE, Kind
from computeenvs.models import ForgedResource

DISPOSE_ORDER = (
    Kind.BATCH_QUEUE,
    Kind.BATCH_ENV,
    Kind.LAUNCH_TEMPLATE,
    Kind.FSX,
    Kind.EFS,
    Kind.IAM_INSTANCE_PROFILE,
    Kind.IAM_ROLE,
)


@dataclass(frozen=True)
class Orphan:
    kind: str
    name: str
    ce_id: str


def _ce_id(name: str, prefix: str) -> str | None:
    match = re.match(rf"^{re.escape(prefix)}-([a-z0-9]{{{CE_ID_LENGTH}}})", name or "")
    return match.group(1) if match else None


def _all(client, method: str, key: str, **kwargs) -> list:
    if client.can_paginate(method):
        return [item for page in client.get_paginator(method).paginate(**kwargs) for item in page[key]]
    return getattr(client, method)(**kwargs)[key]


def scan(credentials, region: str) -> list[Orphan]:
    prefix = settings.FORGE_PREFIX
    ctx = Context(credentials=credentials, region=region, ce_id="", workspace_id=0, config=None)
    found: list[tuple[str, str]] = []
    iam, ec2 = ctx.client("iam"), ctx.client("ec2")
    found += [(Kind.IAM_ROLE, r["RoleName"]) for r in _all(iam, "list_roles", "Roles")]
    found += [
        (Kind.IAM_INSTANCE_PROFILE, p["InstanceProfileName"])
        for p in _all(iam, "list_instance_profiles", "InstanceProfiles")
    ]
    templates = ec2.describe_launch_templates(MaxResults=200)["LaunchTemplates"]
    found += [(Kind.LAUNCH_TEMPLATE, t["LaunchTemplateName"]) for t in templates]
    found += [(Kind.BATCH_QUEUE, q["jobQueueName"]) for q in batch.job_queues(ctx)]
    envs = _all(ctx.client("batch"), "describe_compute_environments", "computeEnvironments")
    found += [(Kind.BATCH_ENV, e["computeEnvironmentName"]) for e in envs if e.get("status") != "DELETED"]
    found += [(Kind.EFS, fs["CreationToken"]) for fs in _all(ctx.client("efs"), "describe_file_systems", "FileSystems")]
    orphans = []
    ledger = set(ForgedResource.objects.exclude(state=ForgedResource.State.DELETED).values_list("kind", "name"))
    for kind, name in found:
        ce_id = _ce_id(name, prefix)
        if ce_id and (kind, name) not in ledger:
            orphans.append(Orphan(kind, name, ce_id))
    for fs in _all(ctx.client("fsx"), "describe_file_systems", "FileSystems"):
        tags = {t["Key"]: t["Value"] for t in fs.get("Tags", [])}
        name = tags.get("Name", fs["FileSystemId"])
        if (
            TAG_CE in tags
            and not ForgedResource.objects.filter(kind=Kind.FSX, compute_env_id=tags[TAG_CE])
            .exclude(state=ForgedResource.State.DELETED)
            .exists()
        ):
            orphans.append(Orphan(Kind.FSX, name, tags[TAG_CE]))
    return sorted(orphans, key=lambda o: (DISPOSE_ORDER.index(o.kind), o.name))


def dispose_orphans(credentials, region: str, orphans: list[Orphan]) -> int:
    """Disposes `orphans` queues first, roles last, with the same protocol as a CE's dispose."""
    for orphan in sorted(orphans, key=lambda o: DISPOSE_ORDER.index(o.kind)):
        ctx = Context(credentials=credentials, region=region, ce_id=orphan.ce_id, workspace_id=0, config=None)
        DISPOSE[orphan.kind](ctx, orphan.name, "")
    return len(orphans)
