"""Prometheus multiprocess mode: every process of one node counts into one directory.

With `serve --workers N` each web process has its own counters, and a scrape reaches one of
them; separate `coopfed worker` processes count inbox items and deliveries nobody scrapes.
prometheus-client's multiprocess mode has each process write its values to memory-mapped files
in `PROMETHEUS_MULTIPROC_DIR`, and `/metrics` sums them (web/metrics.py). The variable must be
set before prometheus-client is first imported, so `serve` and `worker` call `enable` before
they import the app or the worker; uvicorn's web processes inherit it.

Which directory (`metrics.multiprocess_dir`, relative to data_dir): the setting when given;
else `<data_dir>/metrics` for `serve --workers N>1`, which a `coopfed worker` of the same
node joins when the directory exists. An operator's own PROMETHEUS_MULTIPROC_DIR wins.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from pathlib import Path

from coopfed.settings import Settings

ENV = "PROMETHEUS_MULTIPROC_DIR"
DEFAULT_NAME = "metrics"
# prometheus-client's file names: counter_1234.db, histogram_1234.db, gauge_mostrecent_1234.db.
_VALUE_FILE = re.compile(r"^[a-z_]+_(\d+)\.db$")

log = logging.getLogger(__name__)


def directory_for(settings: Settings, *, web_processes: int | None) -> Path | None:
    """Where this process should count; None: in memory. `web_processes`: None for a worker."""
    configured = settings.metrics.multiprocess_dir
    if configured:
        path = Path(configured)
        return path if path.is_absolute() else settings.data_path / path
    default = settings.data_path / DEFAULT_NAME
    if web_processes is not None:
        return default if web_processes > 1 else None
    return default if default.is_dir() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def sweep(directory: Path) -> int:
    """Remove the value files of processes that no longer run; returns how many.

    Run by `serve` as it starts: a restarted node begins its counters again (Prometheus reads a
    drop as a counter reset), while the files of workers still running are kept. A worker
    killed while serve runs keeps its counts until the next start.
    """
    removed = 0
    for path in directory.glob("*.db"):
        match = _VALUE_FILE.match(path.name)
        if match is not None and not _alive(int(match.group(1))):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def enable(settings: Settings, *, web_processes: int | None) -> Path | None:
    """Turn multiprocess mode on for this process (and its children) when the node needs it."""
    given = os.environ.get(ENV)
    directory = Path(given) if given else directory_for(settings, web_processes=web_processes)
    if directory is None:
        return None
    if "prometheus_client" in sys.modules:
        # Too late for this process (its metrics already count in memory); only the in-process
        # test harness gets here. Its children still inherit the mode.
        log.warning("metrics: prometheus-client already imported; this process counts alone")
    directory.mkdir(parents=True, exist_ok=True)
    if web_processes is not None:
        sweep(directory)
    os.environ[ENV] = str(directory)
    return directory
