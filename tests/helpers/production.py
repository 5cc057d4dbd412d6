"""Starting Django in production shape in a subprocess, with a clean environment (a developer's
git-ignored .env never fills the gaps)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
GOOD_SECRET = "p" + "roduction-secret-key-" * 4 + "9x7Q"
LOAD_SETTINGS = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"


def run(code_or_args, **env) -> subprocess.CompletedProcess:
    clean_env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "seqera.settings",
    }
    # Set every value explicitly, even empty: a developer's git-ignored .env never fills the gaps.
    clean_env |= {
        "DEBUG": "false",
        "SECRET_KEY": "",
        "CREDENTIALS_KEYS": "",
        "ALLOWED_HOSTS": "example.org",
        "DATABASE_URL": "sqlite:////tmp/unused.sqlite3",
        "DRAMATIQ_BROKER_URL": "",
    }
    clean_env |= env
    args = code_or_args if isinstance(code_or_args, list) else ["-c", code_or_args]
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=clean_env, capture_output=True, text=True, timeout=120)
