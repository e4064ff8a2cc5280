"""The ingest step: land raw data by the run's source, then make sure every contract table exists.

One door per source (:data:`cdw.context.SOURCES`):

* ``demo``: the generated vendor files (``<home>/demo/landing``);
* ``drops``: vendor export files dropped in ``<home>/landing`` (flat or per vendor; converted by
  ``ingestion.file_drops``) and canonical ``<system>/<table>.parquet`` files there;
* ``api``: the vendors' API connectors (incremental).

Systems switched off in ``config/warehouse.yml`` are never read. Whatever arrived, every contract
table exists afterwards (empty where nothing landed), so the models build on any mix of sources.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cdw.context import RunContext
from ingestion.api import available_systems, load_from_api
from ingestion.file_drops.load import DropResult, load_drops, merge_load_results
from ingestion.file_drops.result import RejectedFile
from ingestion.load import LoadResult, load_landing
from ingestion.raw_tables import ensure_contract_tables

Progress = Callable[[str], None]


@dataclass
class IngestOutcome:
    """What one ingest did, whichever door the data came by."""

    source: str
    systems: tuple[str, ...]
    load: LoadResult
    rejected: list[RejectedFile] = field(default_factory=list)
    created_tables: dict[str, list[str]] = field(default_factory=dict)
    """Contract tables created empty this run (no file or API delivered them yet), per system."""
    drops: DropResult | None = None

    @property
    def ok(self) -> bool:
        return not self.rejected

    @property
    def notes(self) -> list[str]:
        """What was done to the input on the way in, in plain words (for the summary)."""
        notes = [f"{len(self.load.resumed_packages)} load package(s) an interrupted run had left were finished first"
                 ] if self.load.resumed_packages else []
        if self.drops is not None:
            notes += [f"{file}: {count} exact duplicate line(s) removed"
                      for file, count in self.drops.duplicate_lines.items()]
            notes += [f"{file}: converted from {encoding} to UTF-8"
                      for file, encoding in self.drops.converted_encodings.items()]
        return notes

    def to_dict(self) -> dict[str, Any]:
        load = self.load
        return {"source": self.source, "systems": list(self.systems), "rows_landed": load.rows_landed,
                "rows_quarantined": load.rows_quarantined, "quarantined": load.quarantined,
                "landed": load.landed, "table_rows": load.table_rows,
                "files_loaded": len(load.files_loaded), "files_skipped": len(load.files_skipped),
                "rejected_files": [{"file": r.file, "problem": r.problem, "moved_to": r.moved_to}
                                   for r in self.rejected],
                "notes": self.notes, "created_tables": self.created_tables}


def ensure_raw_tables(ctx: RunContext) -> dict[str, list[str]]:
    """Create every contract table not landed yet, for every system (switched off or not)."""
    return ensure_contract_tables(ctx.paths.build_db, ctx.paths.dlt_dir, ctx.all_systems)


def ingest(ctx: RunContext, systems: list[str] | tuple[str, ...] | None = None,
           progress: Progress | None = None) -> IngestOutcome:
    """Land the new data of ``systems`` (default: every system switched on) through the run's source."""
    say = progress or (lambda _message: None)
    chosen = tuple(s for s in (systems or ctx.systems) if s in ctx.systems)
    for off in sorted(set(systems or ()) - set(ctx.systems)):
        say(f"{off}: switched off in the settings, not read")
    paths = ctx.paths
    outcome = IngestOutcome(ctx.source, chosen, LoadResult())
    if chosen and ctx.source == "demo":
        outcome.load = load_landing(ctx.landing_dir, paths.build_db, paths.dlt_dir, systems=_present(ctx, chosen),
                                    force=ctx.force, progress=say)
    elif chosen and ctx.source == "api":
        with_api = [s for s in chosen if s in available_systems()]
        outcome.load = load_from_api(with_api, paths.build_db, paths.dlt_dir, progress=say)
    elif chosen:
        _ingest_drops(ctx, chosen, outcome, say)
    outcome.created_tables = ensure_raw_tables(ctx)
    return outcome


def _present(ctx: RunContext, systems: tuple[str, ...]) -> list[str]:
    """The systems with a folder in the landing directory (a demo of some systems only is fine)."""
    return [s for s in systems if (ctx.landing_dir / s).is_dir()]


def _ingest_drops(ctx: RunContext, systems: tuple[str, ...], outcome: IngestOutcome, say: Progress) -> None:
    paths = ctx.paths
    every_system = set(systems) == set(ctx.all_systems)
    drops = load_drops(ctx.landing_dir, paths.build_db, paths.dlt_dir, say,
                       systems=None if every_system else systems, force=ctx.force)
    canonical = load_landing(ctx.landing_dir, paths.build_db, paths.dlt_dir, systems=_present(ctx, systems),
                             force=ctx.force, progress=say)
    outcome.drops = drops
    outcome.load = merge_load_results([drops.load, canonical])
    outcome.rejected = list(drops.rejected)
