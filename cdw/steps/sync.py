"""The sync step: reverse ETL of the configured audiences to marketing tools, consent-checked.

Demo data never reaches a real marketing tool: unless ``dry_run`` says otherwise, a run on demo
data plans without sending.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from activation import ActivationConfig, SyncRunResult, build_destination, run_sync
from activation import load_config as load_activation_config
from cdw.context import RunContext


def is_dry_run(ctx: RunContext, dry_run: bool | None) -> bool:
    return ctx.source == "demo" if dry_run is None else dry_run


def sync(ctx: RunContext, names: Iterable[str] | None = None, dry_run: bool | None = None,
         config: ActivationConfig | None = None) -> list[SyncRunResult]:
    """Run the syncs ``names`` (default: every configured sync) and return their results.

    ``config`` defaults to the activation settings files. A sync whose audience is not built yet
    is returned with status ``skipped``.
    """
    config = config or load_activation_config()
    chosen = [config.sync(n) for n in names] if names is not None else list(config.syncs.values())
    results: list[SyncRunResult] = []
    with duckdb.connect(str(ctx.paths.build_db)) as con:
        for sync_config in chosen:
            schema, _, table = sync_config.relation.rpartition(".")
            exists = con.execute("select count(*) from information_schema.tables where table_schema = ? "
                                 "and table_name = ?", [schema or "main", table]).fetchall()[0][0]
            if not exists:
                results.append(SyncRunResult(run_id="", sync_name=sync_config.name, destination=sync_config.destination,
                                             destination_type="", mode=sync_config.mode,
                                             dry_run=is_dry_run(ctx, dry_run), status="skipped",
                                             error=f"audience {sync_config.relation} is not built yet"))
                continue
            destination = build_destination(config.destination_for(sync_config))
            try:
                results.append(run_sync(con, sync_config, destination, dry_run=is_dry_run(ctx, dry_run),
                                        as_of=ctx.as_of.moment))
            finally:
                destination.close()
    return results
