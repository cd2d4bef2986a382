"""The lifecycle tests' sandbox cluster and plan, for the passes here that deploy real services."""

from tests.lifecycle.conftest import cluster, plan  # noqa: F401 - fixtures, used by name
