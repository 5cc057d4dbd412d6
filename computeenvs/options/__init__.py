"""Options and rules of an AWS Batch compute environment: the Seqera `AwsBatchConfig` document
(camelCase JSON, `forge` object present = Batch Forge, absent/null = Manual).

What this module guarantees:

- `validate(document)` never raises, whatever JSON-like value it is given; it returns
  `(normalized_document, violations)`. Wrong types, unknown enum values, out-of-range numbers
  and broken cross-field rules all become `Violation(field, message)`; `field` is the camelCase
  dotted path (`"forge.maxCpus"`, `"environment[2].name"`) of what the user must change.
- The normalized document only holds known keys with well-typed values (an invalid value is
  dropped and its default used), every default filled in, and is a fixed point:
  `validate(validate(d)[0])[0] == validate(d)[0]`.
- A key that was sent explicitly is never changed to satisfy a rule; coupled defaults (Fusion v2
  turns Wave on, EBS auto scale off, the boot disk to 100 GB without fast storage; allocation
  strategy by provisioning model) only fill keys that were not sent.
- One table (`RULES`) holds every rule of domain.md §2 that needs no AWS call; the form, the API,
  the model and the forge all call the same `check()`; `client_rules()` exports the same table for
  the form's hints. `WARNINGS` holds the advice-only rules (non-blocking).

Rules that need AWS and are checked by the validation actor, not here: R20 (work-dir bucket or
file system in the CE region), R23 (security groups in the CE VPC with the NFS/Lustre ports open),
R27 (job-queue quota), R28 (manual queues exist, are enabled and valid; head queue On-Demand),
R39 (credentials can reach the work dir). Rules held by the field table: R19's hard cap (at most
100 instance types is `forge.instanceTypes`'s `max_items`; the 20-type advice stays a warning).
Rules held by structure elsewhere: R10 (Graviton and
Fargate head live under `forge`, so a Manual CE cannot set them), R33 (forge prefix, forge plan),
R34/R35 (labels and config immutable, services), R36–R38 (delete/disable flows).

- Validation time is linear in the input and bounded: every text-like field declares length and
  count caps in `FIELDS`, checked before any format check, and the format checks are linear
  (`worst.py` generates each field's worst inputs for the tests and `bench/options.py`).

Layout: `types.py` (constants, value formats, the frozen dataclasses), `fields.py` (`FIELDS` and
field-level cleaning), `rules.py` (`RULES`, `WARNINGS`, `client_rules`), `worst.py` (worst-case
inputs per field), this module (entry points).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .fields import CLEANERS, FIELD_BY_PATH, FIELDS, FORGE_PSEUDO, MISSING, FieldSpec, touches
from .rules import RULES, WARNINGS, Rule, client_rules
from .types import (
    ALLOC_STRATEGIES,
    DEFAULT_ALLOC_STRATEGY,
    DEFAULT_LOG_GROUP,
    FORGE_CLI_PATH,
    FORGE_SERVER_MANAGED_KEYS,
    INSTANCE_TYPES_MAX,
    INSTANCE_TYPES_WARN_AT,
    NON_FIELD,
    PROVISIONING_MODEL_LABELS,
    PROVISIONING_MODELS,
    REGION_LABELS,
    REGIONS,
    SCRIPT_MAX_BYTES,
    SERVER_MANAGED_KEYS,
    SPOT_ALLOC_STRATEGIES,
    AwsBatchConfig,
    EnvVar,
    ForgeConfig,
    Violation,
    is_bucket_name,
    is_s3_uri,
    queue_region,
    split_s3_uri,
)

__all__ = [
    "ALLOC_STRATEGIES",
    "DEFAULT_ALLOC_STRATEGY",
    "DEFAULT_LOG_GROUP",
    "FIELD_BY_PATH",
    "FIELDS",
    "FORGE_CLI_PATH",
    "FORGE_SERVER_MANAGED_KEYS",
    "INSTANCE_TYPES_MAX",
    "INSTANCE_TYPES_WARN_AT",
    "NON_FIELD",
    "PROVISIONING_MODEL_LABELS",
    "PROVISIONING_MODELS",
    "REGION_LABELS",
    "REGIONS",
    "RULES",
    "SCRIPT_MAX_BYTES",
    "SERVER_MANAGED_KEYS",
    "SPOT_ALLOC_STRATEGIES",
    "WARNINGS",
    "AwsBatchConfig",
    "EnvVar",
    "FieldSpec",
    "ForgeConfig",
    "Rule",
    "Violation",
    "check",
    "client_defaults",
    "client_rules",
    "default_document",
    "is_bucket_name",
    "is_s3_uri",
    "parse",
    "queue_region",
    "split_s3_uri",
    "typed",
    "validate",
    "warnings",
]

# --------------------------------------------------------------------------- entry points


def validate(document: Any, *, for_create: bool = True) -> tuple[dict, list[Violation]]:
    """Check a Seqera `AwsBatchConfig` document and return `(normalized_document, violations)`.

    `for_create=True` (user input: form, API, import) drops the server-managed keys
    (`forgedResources`, `deletedResources`, `volumes`, `dragenQueue`, `dragenInstanceType`, and the
    queues in Forge mode); `for_create=False` (a stored document) keeps them as they are.
    """
    violations: list[Violation] = []
    if not isinstance(document, Mapping):
        violations.append(Violation(NON_FIELD, "The compute environment configuration must be a JSON object."))
        document = {}
    if document.get("discriminator") not in (None, "aws-batch"):
        violations.append(Violation("discriminator", "Only the 'aws-batch' platform is supported here."))
    forge_doc = document.get("forge")
    forge_mode = forge_doc is not None
    if forge_mode and not isinstance(forge_doc, Mapping):
        violations.append(
            Violation("forge", "forge must be an object with the Batch Forge options (or null for Manual mode).")
        )
        forge_doc = {}

    sent: dict[str, Any] = {}
    bad: set[str] = set()
    for spec in FIELDS:
        if not spec.applies(forge_mode):
            continue
        raw = (forge_doc if spec.forge_only else document).get(spec.key)
        value, errors = (MISSING, []) if raw is None else CLEANERS[spec.kind](spec, raw, spec.path)
        if errors:
            violations += errors
            bad.add(spec.path)
        elif value is not MISSING:
            sent[spec.path] = value
        elif spec.required:
            example = f", for example {spec.example}" if spec.example else ""
            violations.append(Violation(spec.path, f"{spec.label} is required{example}."))
            bad.add(spec.path)

    resolved: dict[str, Any] = {FORGE_PSEUDO: forge_mode}

    def get(path: str) -> Any:
        if path not in resolved:
            spec = FIELD_BY_PATH[path]
            if not spec.applies(forge_mode):
                resolved[path] = None
            elif path in sent:
                resolved[path] = sent[path]
            elif spec.coupled is not None:
                resolved[path] = spec.coupled(get)
            else:
                resolved[path] = list(spec.default) if isinstance(spec.default, tuple) else spec.default
        return resolved[path]

    normalized: dict[str, Any] = {}
    forge_out: dict[str, Any] = {}
    for spec in FIELDS:
        value = get(spec.path)
        if value is not None:
            (forge_out if spec.forge_only else normalized)[spec.key] = value
    if forge_mode:
        normalized["forge"] = forge_out
    if not for_create:
        kept = SERVER_MANAGED_KEYS + (FORGE_SERVER_MANAGED_KEYS if forge_mode else ())
        normalized.update({key: document[key] for key in kept if document.get(key) is not None})

    config = parse(normalized)
    for rule in RULES:
        if not any(touches(b, f) for b in bad for f in rule.fields):
            violations += rule.check(config)
    return normalized, list(dict.fromkeys(violations))


def _typed(spec: FieldSpec, value: Any) -> Any:
    if spec.kind == "envvars":
        return tuple(
            EnvVar(v["name"], v.get("value", ""), v.get("head", False), v.get("compute", False)) for v in value
        )
    return tuple(value) if spec.kind == "list" else value


def parse(document: Mapping) -> AwsBatchConfig:
    """Typed, frozen view of a normalized document (the first element returned by `validate`)."""
    forge_doc = document.get("forge")
    top: dict[str, Any] = {}
    forge: dict[str, Any] = {}
    for spec in FIELDS:
        source = forge_doc if spec.forge_only else document
        if isinstance(source, Mapping) and source.get(spec.key) is not None:
            (forge if spec.forge_only else top)[spec.attr] = _typed(spec, source[spec.key])
    for key in SERVER_MANAGED_KEYS + FORGE_SERVER_MANAGED_KEYS:
        value = document.get(key)
        if value is not None:
            attr = re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()
            top[attr] = tuple(value) if isinstance(value, list) else value
    if isinstance(forge_doc, Mapping):
        top["forge"] = ForgeConfig(**forge)
    given = frozenset(
        spec.path
        for spec in FIELDS
        if isinstance(source := (forge_doc if spec.forge_only else document), Mapping)
        and source.get(spec.key) is not None
    )
    return AwsBatchConfig(**top, given=given)


def typed(config: AwsBatchConfig | Mapping) -> AwsBatchConfig:
    """The typed config of a normalized document (or the typed config itself): the one input of
    the forge plan, the IAM policy and the Nextflow config."""
    return config if isinstance(config, AwsBatchConfig) else parse(config)


def check(config: AwsBatchConfig) -> list[Violation]:
    """Cross-field rules (the `RULES` table) on a typed config."""
    return [violation for rule in RULES for violation in rule.check(config)]


def warnings(config: AwsBatchConfig) -> list[Violation]:
    """Advice that does not block creation (domain.md DOC rules R7, R19, R22, R23, R24, R26, R29)."""
    return [violation for rule in WARNINGS for violation in rule.check(config)]


def default_document(*, forge: bool = True) -> dict:
    """The normalized document of an empty form in the given mode (what the form pre-fills)."""
    return validate({"forge": {}} if forge else {})[0]


def client_defaults() -> list[dict]:
    """The coupled defaults as JSON hints for the form's script: while `when` holds (same condition
    language as `client_rules()`), an untouched `field` shows `value`, otherwise `otherwise`."""
    spot, ec2 = DEFAULT_ALLOC_STRATEGY["SPOT"], DEFAULT_ALLOC_STRATEGY["EC2"]
    return [
        {"field": "waveEnabled", "when": {"fusion2Enabled": True}, "value": True, "otherwise": False},
        {"field": "forge.ebsAutoScale", "when": {"fusion2Enabled": True}, "value": False, "otherwise": True},
        {"field": "forge.ebsBlockSize", "when": {"forge.ebsAutoScale": False}, "value": None, "otherwise": 50},
        {
            "field": "forge.ebsBootSize",
            "when": {"fusion2Enabled": True, "nvnmeStorageEnabled": False},
            "value": 100,
            "otherwise": 50,
        },
        {"field": "forge.allocStrategy", "when": {"forge.type": "EC2"}, "value": ec2, "otherwise": spot},
        {
            "field": "cliPath",
            "when": {"mode": "forge", "fusion2Enabled": False},
            "value": FORGE_CLI_PATH,
            "otherwise": None,
        },
        {"field": "forge.efsMount", "when": {"forge.efsCreate": True}, "value": "/mnt/efs", "otherwise": None},
        {"field": "forge.efsMount", "when": {"forge.efsId": "*"}, "value": "/mnt/efs", "otherwise": None},
        {"field": "forge.fsxMount", "when": {"forge.fsxName": "*"}, "value": "/mnt/fsx", "otherwise": None},
        {"field": "forge.fsxMount", "when": {"forge.fsxSize": "*"}, "value": "/mnt/fsx", "otherwise": None},
    ]
