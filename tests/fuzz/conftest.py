"""Hypothesis profiles: `make test` runs a bounded number of cases (well under two minutes);
`make fuzz` runs many more (FUZZ_EXAMPLES, 20,000 by default there). Examples Hypothesis
finds are kept as regular tests beside the ones they broke."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "tests",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")),
    deadline=None,
    derandomize=not os.environ.get("FUZZ_EXAMPLES"),  # CI: the same cases every run
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
settings.load_profile("tests")

# The sync's fixtures: a connected store, another, its syncs.
from tests.api.conftest import api, make_application, make_token  # noqa: E402, F401
from tests.sync.conftest import make_setting, make_store, store  # noqa: E402, F401
