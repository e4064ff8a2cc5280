"""Public entry point of the demo data generator: ``generate(out_dir, truth_dir, ...)``.

Makes the true persons, then each vendor's view of them (Shopify, Amazon, Klaviyo, Zendesk),
adds late updates, re-deliveries and junk rows at known rates, and writes one Parquet file per
contract table under ``out_dir/<system>/<table>.parquet`` plus the ground truth under
``truth_dir``. Same seed and parameters give byte-identical Parquet files: every random draw
comes from a NumPy generator seeded from ``(seed, component name)``, and nothing reads the clock
except the reported run time.

Persons are made ``config.chunk_persons`` at a time (:mod:`demo.chunks`, :mod:`demo.chunk_run`):
each chunk's records are appended to the files and freed, so memory follows the chunk size, not
the number of customers, and ids stay unique across chunks. A file is in delivery order within
each chunk; chunks follow each other. A run of at most ``chunk_persons`` customers is one chunk,
byte for byte the data the generator made before it worked in chunks.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from core.contracts import load_contracts
from demo.catalog import make_catalog
from demo.chunk_run import Carried, Run, run_chunk
from demo.chunks import Chunk, plan_chunks, stream
from demo.config import GeneratorConfig
from demo.outputs import Outputs
from demo.timeline import build_timeline

__all__ = ["DEFAULT_END_DATE", "GenerationResult", "GeneratorConfig", "generate", "stream"]

DEFAULT_END_DATE = date(2026, 10, 31)


@dataclass
class GenerationResult:
    """What one run wrote: rows per ``system.table``, totals and where."""

    rows_per_table: dict[str, int]
    total_rows: int
    seconds: float
    out_dir: Path
    truth_dir: Path
    end_date: date
    seed: int = 0
    customers: int = 0
    kinds_per_table: dict[str, dict[str, int]] = field(default_factory=dict)
    chunks: int = 1


def generate(out_dir: Path, truth_dir: Path, customers: int = 20_000, seed: int = 42,
             end_date: date = DEFAULT_END_DATE, years: int = 3, config: GeneratorConfig | None = None
             ) -> GenerationResult:
    """Write the four vendors' raw tables for ``customers`` true persons over ``years`` years to ``end_date``."""
    started = time.perf_counter()
    config = config or GeneratorConfig()
    out_dir, truth_dir = Path(out_dir), Path(truth_dir)
    _check_arguments(out_dir, truth_dir, customers, seed, years, config)
    tables = {(system, table.name): table for system, contract in load_contracts().items()
              for table in contract.tables}
    timeline = build_timeline(end_date, years)
    run = Run(seed=seed, config=config, tables=tables, timeline=timeline,
              catalog=make_catalog(stream(seed, "catalog"), timeline))
    plan = plan_chunks(customers, config.chunk_persons)
    carried = Carried(outputs=Outputs(out_dir, truth_dir, tables))
    try:
        for index, (first_person, size) in enumerate(plan):
            chunk = Chunk(index=index, count=len(plan), first_person=first_person, size=size,
                          offsets=dict(carried.ids.offsets))
            run_chunk(run, carried, chunk)
    finally:
        carried.outputs.close()
    outputs = carried.outputs
    result = GenerationResult(rows_per_table=outputs.rows, total_rows=sum(outputs.rows.values()),
                              seconds=round(time.perf_counter() - started, 3), out_dir=out_dir, truth_dir=truth_dir,
                              end_date=end_date, seed=seed, customers=customers, kinds_per_table=outputs.kinds,
                              chunks=len(plan))
    _write_manifest(result, timeline.start, years, config)
    return result


def _check_arguments(out_dir: Path, truth_dir: Path, customers: int, seed: int, years: int,
                     config: GeneratorConfig) -> None:
    if customers < 1:
        raise ValueError("customers must be at least 1")
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    if years < 1:
        raise ValueError("years must be at least 1")
    if config.chunk_persons < 1:
        raise ValueError("chunk_persons must be at least 1")
    out, truth = out_dir.resolve(), truth_dir.resolve()
    if out == truth or out in truth.parents or truth in out.parents:
        raise ValueError("truth_dir must be separate from out_dir (the pipeline must never see the truth)")


def _write_manifest(result: GenerationResult, start: date, years: int, config: GeneratorConfig) -> None:
    manifest = {
        "seed": result.seed,
        "customers": result.customers,
        "start_date": start.isoformat(),
        "end_date": result.end_date.isoformat(),
        "years": years,
        "chunks": result.chunks,
        "rows_per_table": result.rows_per_table,
        "kinds_per_table": result.kinds_per_table,
        "total_rows": result.total_rows,
        "seconds": result.seconds,
        "config": asdict(config),
    }
    (result.truth_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
