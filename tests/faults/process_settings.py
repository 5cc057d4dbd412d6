"""The test settings, plus the strict AWS layer in each Dramatiq worker process
(`tests.faults.process.StrictAwsProcess`): for the tests that run real worker processes."""

from seqera.test_settings import *  # noqa: F403

DRAMATIQ_BROKER = {  # noqa: F405
    **DRAMATIQ_BROKER,  # noqa: F405
    "MIDDLEWARE": [*DRAMATIQ_BROKER["MIDDLEWARE"], "tests.faults.process.StrictAwsProcess"],  # noqa: F405
}
