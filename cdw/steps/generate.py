"""The generate step: demo vendor files and their ground truth (demo runs only).

A demo of other people (another size, seed, end date or chunk size) replaces the previous one: its
records reuse the same vendor ids, so merging it into a warehouse that holds the previous demo
would mix two worlds. The build warehouse and dlt's state are then started afresh (the serving copy stays
until the next publish).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from cdw.context import RunContext
from demo.generate import GenerationResult
from demo.generate import generate as generate_demo

IDENTITY_KEYS = ("seed", "customers", "end_date", "years")


def _identity(manifest: dict) -> dict:
    """What makes two demos the same people: the keys above and the persons per chunk (the generator
    makes its persons in chunks of that many; a manifest from before it did holds one chunk)."""
    identity = {key: manifest.get(key) for key in IDENTITY_KEYS}
    customers = manifest.get("customers") or 0
    identity["chunk_size"] = min(manifest.get("config", {}).get("chunk_persons", customers), customers)
    return identity


@dataclass
class DemoOutcome:
    """The generator's result, and the previous demo it replaced (the warehouse was started afresh)."""

    result: GenerationResult
    replaced: dict | None = None

    @property
    def total_rows(self) -> int:
        return self.result.total_rows

    @property
    def files(self) -> int:
        return len(self.result.rows_per_table)

    @property
    def out_dir(self) -> Path:
        return self.result.out_dir


def generate(ctx: RunContext) -> DemoOutcome:
    """Write ``ctx.demo_customers`` demo people's vendor files (seed ``ctx.demo_seed``) and the truth."""
    manifest = ctx.paths.truth / "manifest.json"
    before = _identity(json.loads(manifest.read_text())) if manifest.exists() else None
    result = generate_demo(ctx.paths.demo_landing, ctx.paths.truth, customers=ctx.demo_customers, seed=ctx.demo_seed)
    after = _identity(json.loads(manifest.read_text()))
    if before is not None and before != after and ctx.paths.build_db.exists():
        ctx.paths.build_db.unlink()
        ctx.paths.build_db.with_name(ctx.paths.build_db.name + ".wal").unlink(missing_ok=True)
        shutil.rmtree(ctx.paths.dlt_dir, ignore_errors=True)
        return DemoOutcome(result, replaced=before)
    return DemoOutcome(result)
