"""Benchmark settings: the production settings unchanged, except that collected static files go
to a temporary directory (BENCH_STATIC_ROOT) instead of the repository's staticfiles/, and the
URLconf adds the framework floor (`bench.urls`) to the product's routes."""

import os

from seqera.settings import *  # noqa: F403

STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
ROOT_URLCONF = "bench.urls"
