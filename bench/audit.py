"""Audit trail overhead: queries and milliseconds the trail adds to a create, a change and a list
page (audit on vs. signal handlers disconnected), and the cost of the audit page and its CSV export
over a long trail. In-process (Django test client), production settings, a throw-away database.

Prints figures only; asserts nothing.

    .venv/bin/python bench/audit.py             # PostgreSQL seqera_bench_audit on 127.0.0.1
    .venv/bin/python bench/audit.py --sqlite    # temporary SQLite file
    .venv/bin/python bench/audit.py --events 50000 --rounds 40
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the repository, not bench/, first

from bench import _env  # noqa: E402


@contextmanager
def audit_disconnected():
    """The registered models' change handlers disconnected (sign-in/denial hooks stay)."""
    from django.db.models.signals import post_save, pre_delete, pre_save

    from workspaces.audit import registered_models, signals

    pairs = [(pre_save, signals._on_pre_save), (post_save, signals._on_post_save), (pre_delete, signals._on_pre_delete)]
    suffix = {pre_save: "pre_save", post_save: "post_save", pre_delete: "pre_delete"}
    models = registered_models()
    for model in models:
        for signal, _ in pairs:
            signal.disconnect(sender=model, dispatch_uid=f"audit:{model._meta.label}:{suffix[signal]}")
    try:
        yield
    finally:
        for model in models:
            signals.connect_model(model)


def measure(func, rounds: int) -> tuple[float, float]:
    """(median ms, median queries) of `func()` over `rounds` calls after one warm-up call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    func()
    times, queries = [], []
    for _ in range(rounds):
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            func()
            times.append((time.perf_counter() - began) * 1000)
        queries.append(len(captured))
    return statistics.median(times), statistics.median(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--events", type=int, default=20000, help="audit records seeded in the workspace")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()

    db = _env.BenchDatabase(sqlite=args.sqlite, name_suffix="_audit").open()
    try:
        _env.setup_django(_env.production_env(db.url, str(db.tmpdir / "static")))
        from django.core.management import call_command

        call_command("collectstatic", verbosity=0, interactive=False)  # the manifest the pages need
        run(args, db.label)
    finally:
        _env.close_connections()
        db.close()


def run(args, db_label: str) -> None:
    from django.test import Client
    from django.urls import reverse

    from bench.seed import BENCH_USER, seed
    from workspaces import services
    from workspaces.audit import AuditEvent
    from workspaces.models import Workspace

    result = seed(workspaces=1, compute_envs=200, extra=None)
    workspace = Workspace.objects.select_related("org").first()
    kwargs = {"org": workspace.org.name, "workspace": workspace.name}
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=BENCH_USER)
    client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="192.0.2.1")
    client.force_login(user)
    print(f"Audit trail overhead — {db_label}; {_env.machine_line()}")
    print(f"seeded: {result!r}" if len(repr(result)) < 200 else "seeded: 1 workspace, 200 CEs")

    counter = iter(range(10**9))

    def create_label():
        response = client.post(reverse("workspaces:label_create", kwargs=kwargs), {"name": f"bench{next(counter)}"})
        assert response.status_code == 302, response.status_code

    label = services.create_label(workspace=workspace, name="benchflip")
    names = iter(["benchflop", "benchflip"] * 10**6)

    def update_label():
        services.update_label(label=label, name=next(names))

    pages = {
        "label list (25 rows)": reverse("workspaces:label_list", kwargs=kwargs),
        "credentials list": reverse("workspaces:credentials_list", kwargs=kwargs),
        "CE list (200 CEs)": reverse("computeenvs:list", kwargs=kwargs),
    }

    print(f"\n{'operation':34} {'audit on':>18} {'audit off':>18} {'added':>16}")
    rows = [("create label (page POST)", create_label), ("update label (service)", update_label)]
    rows += [(f"GET {name}", lambda url=url: client.get(url)) for name, url in pages.items()]
    for name, func in rows:
        on, off = [], []
        for _ in range(5):  # interleaved, so load from elsewhere on the machine hits both alike
            on.append(measure(func, max(1, args.rounds // 5)))
            with audit_disconnected():
                off.append(measure(func, max(1, args.rounds // 5)))
        on_ms, on_q = statistics.median(m for m, _ in on), statistics.median(q for _, q in on)
        off_ms, off_q = statistics.median(m for m, _ in off), statistics.median(q for _, q in off)
        print(
            f"{name:34} {on_ms:8.2f} ms {on_q:4.0f} q {off_ms:8.2f} ms {off_q:4.0f} q"
            f" {on_ms - off_ms:+7.2f} ms {on_q - off_q:+3.0f} q"
        )

    # A token's first use from an address is looked up and recorded; later uses hit the cache.
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _, raw = services.create_api_token(user=user, name="bench")
    api = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {raw}")
    api_url = f"/api/labels?workspaceId={workspace.pk}"
    counts = []
    for address in ("192.0.2.50", "192.0.2.50", "192.0.2.51"):
        with CaptureQueriesContext(connection) as captured:
            api.get(api_url, REMOTE_ADDR=address)
        counts.append(len(captured))
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        api.get(api_url, REMOTE_ADDR="192.0.2.50")
    print(
        f"{'GET /api/labels with a token':34} queries: new address {counts[0]}, same address {counts[1]}, "
        f"another new address {counts[2]}, known address after a cache flush {len(captured)}"
    )

    # A long trail: the page (lazy paging, no COUNT) and the CSV export.
    existing = AuditEvent.objects.filter(workspace_id=workspace.pk).count()
    template = {"action": "update", "username": BENCH_USER, "object_type": "workspaces.label", "object_repr": "x",
                    "workspace_id": workspace.pk, "workspace_name": workspace.name, "org_id": workspace.org_id,
                    "org_name": workspace.org.name, "before": {"value": "a"}, "after": {"value": "b"}}  # fmt: skip
    batch = [AuditEvent(**template, object_id=str(i)) for i in range(args.events)]
    AuditEvent.objects.bulk_create(batch, batch_size=5000)
    total = existing + args.events
    audit_url = reverse("workspaces:workspace_audit", kwargs=kwargs)
    export_url = reverse("workspaces:workspace_audit_export", kwargs=kwargs)
    print(f"\nworkspace trail of {total:,} records")
    for name, func in (
        ("GET audit page 1", lambda: client.get(audit_url)),
        ("GET audit page 100", lambda: client.get(audit_url, {"page": 100})),
        ("GET audit page, filtered", lambda: client.get(audit_url, {"action": "create", "who": "bench"})),
    ):
        ms, q = measure(func, max(5, args.rounds // 3))
        print(f"{name:34} {ms:8.2f} ms {q:4.0f} q")

    def export():
        response = client.get(export_url)
        return sum(len(chunk) for chunk in response.streaming_content)

    began = time.perf_counter()
    size = export()
    seconds = time.perf_counter() - began
    print(
        f"{'CSV export (all records)':34} {seconds * 1000:8.0f} ms  {size / 1e6:.1f} MB  {total / seconds:,.0f} rows/s"
    )


if __name__ == "__main__":
    main()
