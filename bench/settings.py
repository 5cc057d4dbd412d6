"""Benchmark settings: the production settings unchanged, except that collected static files go
to a temporary directory (BENCH_STATIC_ROOT) instead of the repository's staticfiles/."""

import os

from seqera.settings import *  # noqa: F403

STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
