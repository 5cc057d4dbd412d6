"""The trace watchdog is a scheduled actor: the scheduler's module loading registers it (checked in
a fresh process, as `manage.py crontab` starts: this process's scheduler is started and shut down
by other tests, which empties its job store)."""

import json
import subprocess
import sys

PROBE = """
import json, django
django.setup()
from seqera.sandbox import _import_app_modules
_import_app_modules("tasks")
from dramatiq_crontab import scheduler
print(json.dumps({job.name: job.trigger.interval.total_seconds() for job in scheduler.get_jobs()
                  if hasattr(job.trigger, "interval")}))
"""


def test_the_scheduler_runs_the_watchdog_every_minute():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=120)
    assert json.loads(out.stdout.strip().splitlines()[-1]).get("watch_silent_runs") == 60
