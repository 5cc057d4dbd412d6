"""20 compute environments forged and then disposed by 4 worker threads at once: exact inventory."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from computeenvs import services
from computeenvs.models import ComputeEnv
from tests.faults.strict import SIMPLE_DOC, inventory
from tests.helpers.documents import make_ce

CES, THREADS = 20, 4


def _in_thread(func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    finally:
        connection.close()


@pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite's in-memory test database locks across threads")
@pytest.mark.django_db(transaction=True)
def test_twenty_forges_and_disposes_on_four_threads(tenancy, serialized_moto, strict):
    strict.iam_delay = 0
    baseline = inventory()
    ces = [make_ce(tenancy, name=f"c{i}", config=SIMPLE_DOC) for i in range(CES)]
    with ThreadPoolExecutor(THREADS) as pool:
        list(
            pool.map(lambda ce: _in_thread(services.forge_compute_env, ce_id=ce.pk, workspace_id=ce.workspace_id), ces)
        )
    statuses = {ce.pk: (ce.status, ce.message) for ce in ComputeEnv.objects.filter(pk__in=[c.pk for c in ces])}
    assert all(status == ComputeEnv.Status.AVAILABLE for status, _ in statuses.values()), statuses

    made = inventory() - baseline
    per_ce = {ce.pk: {item for item in made if ce.pk in item[1]} for ce in ces}
    shapes = {frozenset((kind, name.replace(ce_id, "{ce}")) for kind, name in items) for ce_id, items in per_ce.items()}
    assert len(shapes) == 1, [sorted(shape ^ next(iter(shapes))) for shape in shapes]  # same resources each
    assert sum(map(len, per_ce.values())) == len(made)  # and nothing else was made (no duplicates)
    assert len(next(iter(shapes))) > 10

    for ce in ces:
        services.delete_compute_env(ce=ce)
    with ThreadPoolExecutor(THREADS) as pool:
        done = list(
            pool.map(
                lambda ce: _in_thread(services.dispose_compute_env, ce_id=ce.pk, workspace_id=ce.workspace_id), ces
            )
        )
    assert all(done) and not ComputeEnv.objects.filter(pk__in=[c.pk for c in ces]).exists()
    assert inventory() == baseline
