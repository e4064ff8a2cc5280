"""Reverse ETL ("activation"): send warehouse audiences to marketing tools, exactly and only with consent.

Public API (see ``activation/README.md``):

* :func:`load_config` reads ``syncs.yml`` and ``destinations.yml``;
* :func:`build_destination` makes a destination client from its configuration;
* :func:`run_sync` / :func:`run_all` run syncs (or dry-run them) and return :class:`SyncRunResult`;
* :func:`queue_erasure` queues a privacy erasure at every destination a person reached.
"""

from activation.config import ActivationConfig, ConfigError, DestinationConfig, SyncConfig, load_config
from activation.destinations import build_destination
from activation.erasure import queue_erasure
from activation.runner import RunHooks, SyncRunResult, run_all, run_sync

__all__ = [
    "ActivationConfig",
    "ConfigError",
    "DestinationConfig",
    "RunHooks",
    "SyncConfig",
    "SyncRunResult",
    "build_destination",
    "load_config",
    "queue_erasure",
    "run_all",
    "run_sync",
]
