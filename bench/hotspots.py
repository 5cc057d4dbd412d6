"""Where an endpoint's time goes, on the same seeded data and production settings as
`bench/pages.py`, through the test Client (no server, no network).

Per endpoint: the share of the request spent inside named areas (templates, django-tables2,
forms, django-filter, SQL compilation, database round trips, URL reversing, DRF serializers, the
tenancy mixins), from a stack sampler, so nested and recursive calls count once; then cProfile's
functions with the most own and cumulative time (`--top 0` leaves them out). Figures only; the
database is dropped at the end, also after an error or Ctrl-C.

    .venv/bin/python bench/hotspots.py                              # every endpoint, 1,000 CEs
    .venv/bin/python bench/hotspots.py --only ce-list.html --top 40
    .venv/bin/python bench/hotspots.py --only run-list.html,run-tasks.html --runs 100000 --tasks 1000000
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import threading
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the repository, not bench/, first

from bench import _env  # noqa: E402
from bench.pages import HOST, _user, build_endpoints, seed_world  # noqa: E402

# Areas: (a piece of the file path, the function name or "" for any function of that file).
AREAS = {
    "templates": (("django/template/", ""),),
    "django-tables2": (("django_tables2/", ""),),
    "forms and widgets": (("django/forms/", ""),),
    "django-filter": (("django_filters/", ""),),
    "ORM SQL compilation": (("django/db/models/sql/compiler.py", "as_sql"),),
    "database round trips": (("django/db/backends/utils.py", "_execute"),),
    "URL reverse": (("django/urls/base.py", "reverse"),),
    "DRF serializers": (("rest_framework/serializers.py", ""), ("rest_framework/fields.py", "")),
    "workspace and role": (
        ("workspaces/models.py", "workspace_with_role"),
        ("workspaces/models.py", "readable_workspaces"),
        ("workspaces/models.py", "role_of"),
    ),
    "API token": (("workspaces/api/authentication.py", "authenticate"),),
}


class Sampler:
    """Samples the main thread's stack every `interval` seconds: an area's share is the share of
    samples with at least one of its functions on the stack (inclusive time, counted once
    however deep it recurses)."""

    def __init__(self, interval: float = 0.0005):
        self.interval = interval
        self.samples = 0
        self.hits = dict.fromkeys(AREAS, 0)
        self._stop = threading.Event()
        self._target = threading.main_thread().ident

    def _run(self):
        while not self._stop.wait(self.interval):
            frame = sys._current_frames().get(self._target)
            if frame is None:
                continue
            found = set()
            while frame is not None:
                code = frame.f_code
                for area, needles in AREAS.items():
                    if area not in found and any(
                        path in code.co_filename and (not name or code.co_name == name) for path, name in needles
                    ):
                        found.add(area)
                frame = frame.f_back
            self.samples += 1
            for area in found:
                self.hits[area] += 1

    def __enter__(self):
        self._switch = sys.getswitchinterval()
        sys.setswitchinterval(self.interval / 2)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        sys.setswitchinterval(self._switch)

    def shares(self) -> dict[str, float]:
        return {area: hits / self.samples if self.samples else 0.0 for area, hits in self.hits.items()}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ces", type=int, default=1000, help="compute environments in the profiled workspace")
    parser.add_argument("--runs", type=int, default=10_000, help="runs in the profiled workspace")
    parser.add_argument("--tasks", type=int, default=None, help="their Nextflow tasks (default 10 per run)")
    parser.add_argument("--requests", type=int, default=30, help="profiled requests per endpoint (after 3 warm ones)")
    parser.add_argument("--top", type=int, default=25, help="functions listed per table")
    parser.add_argument("--only", default="", help="comma-separated endpoint names (default: all)")
    parser.add_argument("--small", action="store_true", help="profile the 10-CE workspace instead")
    args = parser.parse_args(argv)

    print(f"bench/hotspots.py — {_env.machine_line()}")
    db = _env.BenchDatabase()
    try:
        db.open()
        _env.setup_django(_env.production_env(db.url, str(db.tmpdir / "static")))
        from django.core.management import call_command
        from django.test import Client

        from workspaces import services

        call_command("collectstatic", interactive=False, verbosity=0)
        tasks = args.tasks if args.tasks is not None else 10 * args.runs
        data = seed_world(workspaces=1, ces=args.ces, runs=args.runs, tasks=tasks)
        _, bearer = services.create_api_token(user=_user(data.user_id), name="bench")
        endpoints = build_endpoints(
            data,
            (data.workspace_ids[0], data.workspace_names[0]),
            (data.workspace_ids[-1], data.workspace_names[-1]),
        )
        wanted = {name.strip() for name in args.only.split(",") if name.strip()}
        pages = Client(HTTP_HOST=HOST)
        pages.force_login(_user(data.user_id))
        api = Client(HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Bearer {bearer}")
        summary = []
        for endpoint in endpoints:
            if endpoint.load_only or (wanted and endpoint.name not in wanted):
                continue
            client = Client(HTTP_HOST=HOST) if endpoint.anonymous else api if endpoint.api else pages
            path = endpoint.small_path if args.small else endpoint.path
            for _ in range(3):
                assert client.get(path).status_code == 200, path
            with Sampler() as sampler:
                began = time.perf_counter()
                for _ in range(args.requests):
                    client.get(path)
                per_request = (time.perf_counter() - began) / args.requests * 1000
            shares = sampler.shares()
            print(f"\n=== {endpoint.name} ({path}): {per_request:.1f} ms per request while sampled")
            print("  " + "; ".join(f"{area} {share:.0%}" for area, share in shares.items() if share >= 0.005))
            summary.append((endpoint.name, per_request, shares))
            if args.top:
                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(args.requests):
                    client.get(path)
                profiler.disable()
                stats = pstats.Stats(profiler)
                stats.sort_stats("tottime").print_stats(args.top)
                stats.sort_stats("cumulative").print_stats(args.top)
        print("\nSummary: ms per request (sampled, not under cProfile) and the share of it inside each area")
        print(f"  {'endpoint':<24}{'ms':>8}" + "".join(f"{area[:12]:>14}" for area in AREAS))
        for name, ms, shares in summary:
            print(f"  {name:<24}{ms:>8.1f}" + "".join(f"{shares[area]:>14.0%}" for area in AREAS))
    finally:
        _env.close_connections()
        db.close()


if __name__ == "__main__":
    main()
