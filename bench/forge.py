"""Forge benchmark: AWS calls and wall time of a full Batch Forge and its dispose against moto in
server mode (HTTP on 127.0.0.1, like the `make run` sandbox), with AWS's behaviour played by
`computeenvs.sandbox.AwsBehaviour` (each state lasts one poll, no IAM delay, so the figures are
the work of the forge itself, not AWS's waits).

Prints, per configuration: calls and wall time of forge and dispose (median of the runs), the
calls that change something (the floor: each must happen once), the look-ups and the polls.

    .venv/bin/python bench/forge.py            # 3 runs of each configuration
    .venv/bin/python bench/forge.py --quick    # 1 run
    .venv/bin/python bench/forge.py --sqlite   # no PostgreSQL: temporary SQLite file
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the repository, not bench/, first

from bench import _env  # noqa: E402

CONFIGS = {
    "spot-minimal": {"region": "us-east-1", "workDir": "s3://acme-work/scratch", "forge": {"maxCpus": 64}},
    "every-resource": {
        "region": "us-east-1",
        "workDir": "s3://acme-work/scratch",
        "logGroup": "/acme/forge-logs",
        "forge": {
            "type": "SPOT",
            "maxCpus": 64,
            "efsCreate": True,
            "fsxSize": 1200,
            "dragenEnabled": True,
            "dragenInstanceType": "m5.xlarge",
        },
    },
}
MUTATING = ("Create", "Put", "Attach", "Add", "Authorize", "Update", "Delete", "Remove", "Detach", "Tag")


def start_moto():
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    import http.client
    import json

    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.request("POST", "/moto-api/config", json.dumps({"batch": {"use_docker": False}}), {})
    conn.getresponse().read()
    return server, f"http://{host}:{port}"


def tenant():
    from django.contrib.auth import get_user_model

    from workspaces.models import Credentials, Organization, Workspace

    user = get_user_model().objects.create_user("bench", "bench@example.org", "x" * 20)
    org = Organization.objects.create(name="bench", full_name="Bench")
    workspace = Workspace.objects.create(org=org, name="forge", full_name="Forge bench")
    credentials = Credentials(workspace=workspace, name="bench-aws", access_key="AKIA" + "B" * 16, status="AVAILABLE")
    credentials.set_secret("s" * 40)
    credentials.save()
    return user, workspace, credentials


def split(calls: list[tuple[str, str]]) -> tuple[int, int]:
    mutating = sum(1 for _, op in calls if op.startswith(MUTATING))
    return mutating, len(calls) - mutating


def run(name: str, document: dict, runs: int, layer, user, workspace, credentials) -> None:
    from computeenvs import services

    forge_times, dispose_times, forge_calls, dispose_calls = [], [], [], []
    for i in range(runs):
        ce = services.create_compute_env(
            workspace=workspace, created_by=user, name=f"{name}-{i}", credentials=credentials, config=document
        )
        start = len(layer.calls)
        began = time.perf_counter()
        services.forge_compute_env(ce_id=ce.pk, workspace_id=workspace.pk)
        forge_times.append(time.perf_counter() - began)
        ce.refresh_from_db()
        if ce.status != "AVAILABLE":
            raise SystemExit(f"forge failed: {ce.message}")
        forge_calls.append(layer.calls[start:])
        resources = ce.forged_resources.count()
        start = len(layer.calls)
        began = time.perf_counter()
        services.delete_compute_env(ce=ce)
        services.dispose_compute_env(ce_id=ce.pk, workspace_id=workspace.pk)
        dispose_times.append(time.perf_counter() - began)
        dispose_calls.append(layer.calls[start:])
    for label, times, calls in (("forge", forge_times, forge_calls), ("dispose", dispose_times, dispose_calls)):
        last = calls[-1]
        mutating, reads = split(last)
        print(
            f"  {label:<8} {resources:>3} resources  {len(last):>4} AWS calls "
            f"({mutating} that change something = the floor, {reads} look-ups and polls)  "
            f"{statistics.median(times) * 1000:>7.0f} ms median of {len(times)}  "
            f"({statistics.median(times) * 1000 / len(last):.1f} ms a call)"
        )
        top = Counter(f"{svc}:{op}" for svc, op in last if not op.startswith(MUTATING)).most_common(6)
        print("           most frequent reads: " + ", ".join(f"{op} x{n}" for op, n in top))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args(argv)
    runs = 1 if args.quick else 3
    began = time.monotonic()
    print(f"bench/forge.py — {_env.machine_line()}")
    db = _env.BenchDatabase(sqlite=args.sqlite, name_suffix="_forge")
    server = None
    try:
        db.open()
        env = _env.production_env(db.url, str(db.tmpdir / "static"))
        env.update(FORGE_POLL_SECONDS="0.05", FORGE_IAM_RETRY_SECONDS="0.05", AWS_MAX_ATTEMPTS="3")
        server, endpoint = start_moto()
        env["AWS_ENDPOINT_URL"] = endpoint
        _env.setup_django(env)
        from computeenvs.sandbox import AwsBehaviour

        layer = AwsBehaviour(endpoint=endpoint, polls=1, seconds=0.0, iam_delay=0.0).install()
        user, workspace, credentials = tenant()
        print(f"moto server {endpoint}; {db.label}; states last 1 poll; poll interval 0.05 s")
        print("\nwarm-up (includes moto's one-time costs: EC2 region, AWS-managed IAM policies):")
        run(
            "warmup", CONFIGS["spot-minimal"], 1, layer, user, workspace, credentials
        )  # moto's first-call costs (EC2, IAM)
        for name, document in CONFIGS.items():
            print(f"\n{name}:")
            run(name, document, runs, layer, user, workspace, credentials)
    finally:
        _env.close_connections()
        if server is not None:
            server.stop()
        db.close()
    print(f"\nDone in {time.monotonic() - began:.0f} s; database dropped.")


if __name__ == "__main__":
    main()
