"""Deterministic names and ownership tags of everything Forge creates for a compute environment.

Every name is ``<prefix>-<ceId><suffix>`` and is checked against the AWS limits of its kind, so a
crashed or repeated forge finds the resource it made by name (idempotency without a pending
marker). The ownership tags say who made a resource; Forge adopts only what carries them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from computeenvs.models import ForgedResource

Kind = ForgedResource.Kind  # the ledger's kinds: a plan entry becomes a ledger row as it is
MAX_TAGS = 50
TAG_CE = "forge:ce-id"
TAG_WORKSPACE = "forge:workspace-id"
TAG_INSTALLATION = "forge:installation"
DEFAULT_INSTALLATION = "seqera"


@dataclass(frozen=True)
class NameRule:
    label: str
    max_length: int
    pattern: re.Pattern
    min_length: int = 1


NAME_RULES = {
    Kind.IAM_ROLE: NameRule("IAM role name", 64, re.compile(r"^[\w+=,.@-]+$", re.ASCII)),
    Kind.IAM_INSTANCE_PROFILE: NameRule("IAM instance profile name", 128, re.compile(r"^[\w+=,.@-]+$", re.ASCII)),
    Kind.LAUNCH_TEMPLATE: NameRule("EC2 launch template name", 128, re.compile(r"^[A-Za-z0-9().\-/_]+$"), 3),
    Kind.BATCH_ENV: NameRule("Batch compute environment name", 128, re.compile(r"^[A-Za-z0-9_-]+$")),
    Kind.BATCH_QUEUE: NameRule("Batch job queue name", 128, re.compile(r"^[A-Za-z0-9_-]+$")),
    Kind.EFS: NameRule("EFS creation token", 64, re.compile(r"^[\x20-\x7e]+$")),
    Kind.FSX: NameRule("FSx client request token", 63, re.compile(r"^[A-Za-z0-9_.-]+$")),
}

# step key -> (kind, name suffix); the full catalogue, in creation order. The log group is named
# by the user (its name is not derived), so it has no suffix here.
STEPS = {
    "service_role": (Kind.IAM_ROLE, "-ServiceRole"),
    "fleet_role": (Kind.IAM_ROLE, "-FleetRole"),
    "execution_role": (Kind.IAM_ROLE, "-ExecutionRole"),
    "head_job_role": (Kind.IAM_ROLE, "-HeadJobRole"),
    "instance_role": (Kind.IAM_ROLE, "-InstanceRole"),
    "instance_profile": (Kind.IAM_INSTANCE_PROFILE, "-InstanceRole"),
    "log_group": (Kind.LOG_GROUP, None),
    "efs": (Kind.EFS, ""),
    "fsx": (Kind.FSX, ""),
    "launch_template": (Kind.LAUNCH_TEMPLATE, ""),
    "head_env": (Kind.BATCH_ENV, "-head"),
    "head_queue": (Kind.BATCH_QUEUE, "-head"),
    "work_env": (Kind.BATCH_ENV, "-work"),
    "work_queue": (Kind.BATCH_QUEUE, "-work"),
    "dragen_env": (Kind.BATCH_ENV, "-dragen"),
    "dragen_queue": (Kind.BATCH_QUEUE, "-dragen"),
}
DERIVED_STEPS = {step: spec for step, spec in STEPS.items() if spec[1] is not None}
PREFIX_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
CE_ID_PATTERN = re.compile(r"^[A-Za-z0-9]+$")
CE_ID_LENGTH = 22


def max_prefix_length(ce_id_length: int = CE_ID_LENGTH) -> int:
    """Longest forge prefix whose every derived name stays within its AWS limit."""
    return min(
        NAME_RULES[kind].max_length - len(suffix or "") - 1 - ce_id_length for kind, suffix in DERIVED_STEPS.values()
    )


MAX_PREFIX_LENGTH = max_prefix_length()


class ForgeNameError(ValueError):
    """A derived AWS name breaks a provider limit (usually: the forge prefix is too long)."""


def forge_names(prefix: str, ce_id: str) -> dict[str, str]:
    """Every name Forge may derive for this CE, by step key, each validated against its AWS limit."""
    if not CE_ID_PATTERN.match(ce_id or ""):
        raise ForgeNameError(f"Compute environment id {ce_id!r} must be letters and digits only.")
    if not PREFIX_PATTERN.match(prefix or ""):
        raise ForgeNameError(
            f"Forge prefix {prefix!r} must start with a letter or digit and contain only letters, digits, '-' and '_'."
        )
    names = {step: f"{prefix}-{ce_id}{suffix}" for step, (_, suffix) in DERIVED_STEPS.items()}
    for step, name in names.items():
        rule = NAME_RULES[STEPS[step][0]]
        if not rule.min_length <= len(name) <= rule.max_length:
            raise ForgeNameError(
                f"Forge prefix {prefix!r} is too long: the {rule.label} {name!r} would be {len(name)} characters, "
                f"AWS allows at most {rule.max_length}. Use a prefix of at most "
                f"{max_prefix_length(len(ce_id))} characters."
            )
        if not rule.pattern.match(name):
            raise ForgeNameError(f"The {rule.label} {name!r} contains characters AWS does not allow.")
    return names


def queue_names(prefix: str, ce_id: str) -> dict[str, str]:
    """The head, compute and DRAGEN queue names Forge writes into the config (headQueue, computeQueue, dragenQueue)."""
    names = forge_names(prefix, ce_id)
    return {"headQueue": names["head_queue"], "computeQueue": names["work_queue"], "dragenQueue": names["dragen_queue"]}


def partition_for(region: str | None) -> str:
    region = region or ""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def managed_policy_arn(partition: str, name: str) -> str:
    return f"arn:{partition}:iam::aws:policy/service-role/{name}"


def ownership_tags(ce_id: str, workspace_id: int, installation: str = DEFAULT_INSTALLATION) -> dict[str, str]:
    return {TAG_CE: ce_id, TAG_WORKSPACE: str(workspace_id), TAG_INSTALLATION: installation}


def resource_tags(
    labels: dict[str, str], name: str, ce_id: str, workspace_id: int, installation: str = DEFAULT_INSTALLATION
) -> dict[str, str]:
    """The CE's resource labels, ``Name`` (a label ``Name`` overrides it) and the ownership tags."""
    tags = {"Name": name, **labels, **ownership_tags(ce_id, workspace_id, installation)}
    if len(tags) > MAX_TAGS:
        raise ValueError(
            f"Too many resource labels: AWS allows {MAX_TAGS} tags per resource, this plan needs {len(tags)}."
        )
    return dict(sorted(tags.items()))


def is_ours(tags: dict[str, str] | None, ce_id: str) -> bool:
    """Whether a resource found by name carries this CE's ownership tag (then Forge adopts it)."""
    return (tags or {}).get(TAG_CE) == ce_id
