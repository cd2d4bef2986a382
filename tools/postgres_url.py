"""Print the URL of a PostgreSQL server that answers, or exit 1: `make test` runs the suite again on it.

DATABASE_URL wins when it names PostgreSQL; otherwise the local server on 127.0.0.1:5432 is tried as the
`postgres` user (the machines this project runs on use trust authentication there).
"""

from __future__ import annotations

import os
import sys

import psycopg

LOCAL = "postgres://postgres@127.0.0.1:5432/proxvps"


def candidate() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else LOCAL


def main() -> int:
    url = candidate()
    # Connect to the maintenance database: the test run creates its own `test_...` database.
    probe = url.rsplit("/", 1)[0] + "/postgres"
    try:
        with psycopg.connect(probe, connect_timeout=3):
            pass
    except psycopg.Error:
        return 1
    print(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
