"""Options benchmark: `computeenvs.options.validate` throughput (documents/s) for representative
Seqera `AwsBatchConfig` documents, and the time to build a Forge plan, an IAM policy and the
Nextflow config from a normalized document. Pure functions: no database, no AWS.

Then the worst case of every text-like field (`computeenvs.options.worst`: each field at its
cap with input built to drive backtracking, over its cap, and lists full of such items): the
slowest case per field and its time. Issue 14 defect 3 measured 6.7 s for one 16,000-character
instance type before the caps and the linear-time checks.

Prints figures only. Default run: about 30 s.

    .venv/bin/python bench/options.py
    .venv/bin/python bench/options.py --quick
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the repository, not bench/, first

from bench import _env  # noqa: E402
from bench._env import per_op  # noqa: E402

CE_ID = "k3v9x2m7q4w8z1c6b5n0pa"
ACCOUNT_ID = "123456789012"


def documents() -> dict[str, dict]:
    """User-input documents, small to large; `invalid` breaks several rules on purpose."""
    manual = {
        "region": "eu-west-1",
        "workDir": "s3://acme-work/nextflow",
        "headQueue": "lab-head-ondemand",
        "computeQueue": "lab-work-spot",
        "headJobRole": "arn:aws:iam::123456789012:role/lab-head-job",
        "computeJobRole": "arn:aws:iam::123456789012:role/lab-compute-job",
        "environment": [{"name": "NXF_OPTS", "value": "-Xms1g -Xmx3g", "head": True, "compute": False}],
    }
    forge_minimal = {"region": "eu-west-1", "workDir": "s3://acme-work/nextflow", "forge": {"maxCpus": 64}}
    forge_full = {
        "region": "eu-west-1",
        "workDir": "s3://acme-work/nextflow",
        "waveEnabled": True,
        "fusion2Enabled": True,
        "nvnmeStorageEnabled": True,
        "computeJobRole": "arn:aws:iam::123456789012:role/acme-compute-job",
        "executionRole": "arn:aws:iam::123456789012:role/acme-ecs-execution",
        "logGroup": "/acme/nextflow",
        "preRunScript": "export NXF_VER=24.10.0\nmodule load java",
        "nextflowConfig": "process {\n    errorStrategy = 'retry'\n    maxRetries = 2\n}",
        "environment": [
            {"name": "NXF_JVM_ARGS", "value": "-XX:+UseG1GC", "head": True, "compute": False},
            {"name": "REF_BUCKET", "value": "s3://acme-ref", "head": False, "compute": True},
        ],
        "forge": {
            "type": "EC2",
            "minCpus": 8,
            "maxCpus": 256,
            "instanceTypes": ["m6id.large", "m6id.xlarge", "c6id.2xlarge"],
            "vpcId": "vpc-0a1b2c3d",
            "subnets": ["subnet-0a1b2c3d4e5f60718", "subnet-0a1b2c3d4e5f60719"],
            "securityGroups": ["sg-0a1b2c3d4e5f60720"],
            "ec2KeyPair": "acme-debug",
            "allowBuckets": ["s3://acme-ref/genomes", "s3://acme-results"],
            "ecsConfig": "ECS_ENABLE_CONTAINER_METADATA=true",
        },
    }
    efs_fsx = {
        "region": "us-east-1",
        "workDir": "/mnt/efs/work",
        "forge": {
            "maxCpus": 128,
            "efsCreate": True,
            "efsMount": "/mnt/efs",
            "fsxSize": 1200,
            "fsxMount": "/mnt/fsx",
            "imageId": "ami-0123456789abcdef0",
            "vpcId": "vpc-0a1b2c3d4e5f60722",
            "securityGroups": ["sg-0a1b2c3d4e5f60721"],
        },
    }
    large = copy.deepcopy(forge_full)
    large["forge"]["instanceTypes"] = [f"m6i.{n}xlarge" for n in range(1, 51)] + [
        f"c6i.{n}xlarge" for n in range(1, 51)
    ]
    large["environment"] = [
        {"name": f"VAR_{i:02d}", "value": f"value-{i}" * 4, "head": i % 2 == 0, "compute": True} for i in range(50)
    ]
    invalid = {
        "region": "mars-north-1",
        "workDir": "ftp://nowhere",
        "fusion2Enabled": True,
        "waveEnabled": False,
        "environment": [{"name": "1BAD", "value": "x"}],
        "forge": {"type": "SPOTTY", "maxCpus": -5, "minCpus": 10, "ebsBlockSize": 50, "ebsAutoScale": False},
    }
    return {
        "manual": manual,
        "forge minimal": forge_minimal,
        "forge full (Fusion, VPC)": forge_full,
        "forge EFS + FSx": efs_fsx,
        "forge large (100 types, 50 vars)": large,
        "invalid (many violations)": invalid,
    }


def timed(func, *, seconds: float) -> float:
    """Median µs per call over 5 rounds."""
    return per_op(func, seconds=seconds)[0]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="0.2 s per case instead of 0.5 s")
    parser.add_argument("--seconds", type=float, default=None, help="timing per case (default 0.5)")
    args = parser.parse_args(argv)
    seconds = args.seconds or (0.2 if args.quick else 0.5)

    started = time.monotonic()
    print(f"bench/options.py — {_env.machine_line()}")
    import os

    import django

    os.environ.update(_env.production_env("sqlite:///:memory:", "/nonexistent"))
    django.setup()
    from computeenvs import nfconfig, options, policy
    from computeenvs.forge import plan
    from computeenvs.services import forge_queue_names

    docs = documents()
    print(f"\noptions.validate (median of 5 rounds, ~{seconds:g} s per case)")
    header = f"{'document':<36}{'bytes':>7}{'violations':>11}{'µs/doc':>9}{'docs/s':>9}{'stored µs':>11}"
    print(header)
    print("-" * len(header))
    normalized = {}
    for name, doc in docs.items():
        result, violations = options.validate(doc)
        micros = timed(lambda doc=doc: options.validate(doc), seconds=seconds)
        stored = ""
        if not violations:
            if result.get("forge"):
                result["headQueue"], result["computeQueue"] = forge_queue_names(CE_ID)
            normalized[name] = result
            stored = f"{timed(lambda r=result: options.validate(r, for_create=False), seconds=seconds):.0f}"
        print(
            f"{name:<36}{len(json.dumps(doc)):>7}{len(violations):>11}{micros:>9.0f}{1e6 / micros:>9,.0f}{stored:>11}"
        )
    print("(stored µs: re-validating the normalized, stored document with for_create=False)")

    print("\nGeneration from a normalized document (µs per call, median of 5 rounds)")
    header = f"{'document':<36}{'plan steps':>11}{'plan µs':>9}{'policy µs':>11}{'nfconfig µs':>13}{'policy KB':>11}"
    print(header)
    print("-" * len(header))
    labels = {"project": "rnaseq", "cost-center": "cc-1234"}
    for name, config in normalized.items():
        steps = plan.build_plan(ce_id=CE_ID, config=config, labels=labels, prefix="TowerForge", workspace_id=42)
        plan_us = timed(
            lambda c=config: plan.plan_as_dicts(
                plan.build_plan(ce_id=CE_ID, config=c, labels=labels, prefix="TowerForge", workspace_id=42)
            ),
            seconds=seconds,
        )
        document = policy.policy_for(config=config, prefix="TowerForge", account_id=ACCOUNT_ID, region=config["region"])
        policy_us = timed(
            lambda c=config: policy.policy_json(
                policy.policy_for(config=c, prefix="TowerForge", account_id=ACCOUNT_ID, region=c["region"])
            ),
            seconds=seconds,
        )
        nf_us = timed(lambda c=config: nfconfig.nextflow_config(config=c), seconds=seconds)
        print(
            f"{name:<36}{len(steps):>11}{plan_us:>9.0f}{policy_us:>11.0f}{nf_us:>13.0f}"
            f"{len(policy.policy_json(document)) / 1024:>11.1f}"
        )

    print("\nForm page helpers (per call)")
    for name, func in (
        ("options.client_rules()", options.client_rules),
        ("options.client_defaults()", options.client_defaults),
        ("options.default_document(forge=True)", lambda: options.default_document(forge=True)),
    ):
        print(f"  {name:<40}{timed(func, seconds=seconds):>9.0f} µs")
    worst_case_table(seconds=seconds / 5)
    print(f"\nDone in {time.monotonic() - started:.0f} s.")


def worst_case_table(*, seconds: float) -> None:
    from computeenvs import options
    from computeenvs.options.worst import worst_cases

    slowest: dict[str, tuple[float, str, int, int]] = {}
    for case in worst_cases():
        micros = timed(lambda d=case.document: options.validate(d), seconds=seconds)
        if micros > slowest.get(case.path, (0.0,))[0]:
            slowest[case.path] = (micros, case.name, case.chars, len(json.dumps(case.document)))
    print("\nWorst case per field (slowest of its generated cases; µs per options.validate, median of 5 rounds)")
    header = f"{'field':<28}{'slowest case':<30}{'input chars':>12}{'body bytes':>12}{'µs':>9}{'ns/char':>9}"
    print(header)
    print("-" * len(header))
    for path, (micros, name, chars, body) in sorted(slowest.items(), key=lambda item: -item[1][0]):
        print(f"{path:<28}{name:<30}{chars:>12,}{body:>12,}{micros:>9.0f}{micros * 1000 / max(chars, 1):>9.1f}")
    print("(a field's time is bounded by its caps; 'over cap' cases are refused after one length measure)")


if __name__ == "__main__":
    main()
