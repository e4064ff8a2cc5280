"""Run artifacts under ``CDW_HOME``: dbt target folders and logs per run, the newest few kept.

dbt writes its manifest, run results and logs for every invocation; Dagster gives each run its
own target folder. They all go under ``<home>/dbt/runs/<run_id>-<phase>/`` (never into the
checkout), and :func:`prune_dbt_runs` keeps the newest ``artifacts.keep_runs`` runs
(``config/warehouse.yml``). The command line's own builds reuse ``<home>/dbt/target`` (dbt's
partial parsing then saves seconds per run).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from cdw.context import RunContext
from core.config import warehouse_settings


def dbt_runs_dir(ctx: RunContext) -> Path:
    return ctx.paths.home / "dbt" / "runs"


def dbt_run_target(ctx: RunContext, phase: str) -> Path:
    """The target (and log) folder of one dbt invocation of a run."""
    return dbt_runs_dir(ctx) / f"{ctx.run_id}-{phase}"


def prune_dbt_runs(ctx: RunContext, keep_runs: int | None = None) -> list[Path]:
    """Remove the folders of all but the newest ``keep_runs`` runs (by modification time); returns them."""
    keep = keep_runs if keep_runs is not None else warehouse_settings().artifacts.keep_runs
    root = dbt_runs_dir(ctx)
    if not root.is_dir():
        return []
    folders = sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)
    runs: list[str] = []
    removed = []
    for folder in folders:
        run = folder.name.rsplit("-", 1)[0]
        if run not in runs:
            runs.append(run)
        if runs.index(run) >= keep:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed
