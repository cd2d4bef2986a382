"""The lifecycle tests' sandbox cluster, plan and ready service, for the passes here that work on real services."""

from tests.lifecycle.conftest import cluster, plan, ready_vm  # noqa: F401 - fixtures, used by name
