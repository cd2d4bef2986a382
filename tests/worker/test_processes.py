"""`proxvps cron` and `proxvps worker` as processes: --help, one worker per SQLite database, a clean stop."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from proxvps.worker.locks import AnotherWorkerRunningError, single_process

pytestmark = pytest.mark.slow

PROXVPS = [sys.executable, "-m", "proxvps.cli"]
WAIT = 60.0


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with a migrated SQLite database, shared by this module's processes."""
    directory = tmp_path_factory.mktemp("worker")
    subprocess.run([*PROXVPS, "migrate", "-v", "0"], env=_env(directory), check=True, timeout=WAIT)
    return directory


def _env(directory: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(PROXVPS_DATA_DIR=str(directory), DATABASE_URL=f"sqlite:///{directory / 'proxvps.sqlite3'}")
    return env


def _lock_file(directory: Path) -> Path:
    return directory / "proxvps.sqlite3.worker-lock"


def _run(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PROXVPS, *args], env=_env(directory), capture_output=True, text=True, timeout=WAIT, check=False
    )


@pytest.fixture
def worker(data_dir: Path) -> Iterator[subprocess.Popen[str]]:
    command = [*PROXVPS, "worker", "--sleep", "0.2"]
    with subprocess.Popen(command, env=_env(data_dir), stdout=subprocess.PIPE, text=True) as process:
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()


def test_help_names_the_options() -> None:
    cron = subprocess.run([*PROXVPS, "cron", "--help"], capture_output=True, text=True, timeout=WAIT, check=True)
    for option in ("--task NAME", "--force", "--list", "processVirtualMachines"):
        assert option in cron.stdout
    worker = subprocess.run([*PROXVPS, "worker", "--help"], capture_output=True, text=True, timeout=WAIT, check=True)
    for option in ("--once", "--sleep S"):
        assert option in worker.stdout


def test_a_second_process_on_the_same_sqlite_database_is_refused_in_one_sentence(data_dir: Path) -> None:
    with single_process(_lock_file(data_dir)):
        refused = _run(data_dir, "cron")
    assert refused.returncode == 1
    assert refused.stdout == ""
    assert len(refused.stderr.strip().splitlines()) == 1
    assert "SQLite" in refused.stderr
    assert str(os.getpid()) in refused.stderr
    assert "Traceback" not in refused.stderr
    allowed = _run(data_dir, "cron", "--task", "removeOldSnapshots", "--force")
    assert allowed.returncode == 0, allowed.stderr
    assert "[removeOldSnapshots] Done" in allowed.stdout


def test_the_worker_holds_the_sqlite_lock_and_stops_cleanly_on_sigterm(
    data_dir: Path, worker: subprocess.Popen[str]
) -> None:
    assert worker.stdout is not None
    lines = [worker.stdout.readline()]
    while "Cron End" not in lines[-1]:
        assert lines[-1], "the worker ended before its first pass was done"
        lines.append(worker.stdout.readline())
    assert "proxvps Cron Start" in lines[0]
    with pytest.raises(AnotherWorkerRunningError), single_process(_lock_file(data_dir)):
        pass
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(WAIT) == 0
    with single_process(_lock_file(data_dir)):
        pass
    with sqlite3.connect(data_dir / "proxvps.sqlite3") as database:
        holders = database.execute("SELECT holder FROM worker_taskschedule WHERE holder != ''").fetchall()
    assert holders == []
