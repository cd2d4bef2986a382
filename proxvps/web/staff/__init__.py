"""The staff console under /staff/ (SPEC S18): the dashboard, services across all servers, servers, plans and
settings, each view checked against the signed-in staff member's role (`roles`)."""
