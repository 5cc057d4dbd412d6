import logging

import pytest

from tests.tenancy.oracle import SideEffects
from tests.tenancy.world import build_world


@pytest.fixture
def world(tenancy):
    return build_world(tenancy)


@pytest.fixture
def side_effects(aws, broker):
    """Counts botocore calls, Dramatiq enqueues and on_commit hooks while a test walks routes."""
    request_logger = logging.getLogger("django.request")
    level = request_logger.level
    request_logger.setLevel(logging.ERROR)  # thousands of expected 403/404 warnings; 5xx still logged
    try:
        with SideEffects.recording(broker) as recorder:
            yield recorder
    finally:
        request_logger.setLevel(level)
