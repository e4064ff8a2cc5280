"""Files: CSV or Parquet batches in a folder, for tools that import files instead of offering an API.

Every batch becomes one file under ``<path>/<sync>/``, named
``<op>-<batch id>.<csv|parquet>`` (``upsert``, ``append``, ``remove`` or ``erase``). The batch id is
derived from the batch's content, so a batch written again after a crash overwrites its own file
instead of adding a duplicate. Files are written to a temporary name and renamed into place, so a
reader never sees half a file. Columns: ``key``, ``customer_id``, then the mapped fields (and
``trigger_id``, ``triggered_at`` for trigger audiences); removal files carry ``key`` and
``customer_id`` only.

Settings: ``path`` (folder, created if missing), ``format`` (``csv`` default, or ``parquet``).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from activation.destinations.base import Destination
from activation.records import BatchResult, OutRecord, RemoveItem

FORMATS = ("csv", "parquet")


class FilesDestination(Destination):
    type = "files"
    identity_rule = "none"
    api_limits = {"upsert": 100_000, "append": 100_000, "remove": 100_000, "erase": 100_000}

    @property
    def folder(self) -> Path:
        path = self.config.text("path")
        if not path:
            raise ValueError(f"destination {self.name}: path is required")
        return Path(path) / (self.sync_name or "unbound")

    @property
    def format(self) -> str:
        fmt = (self.config.text("format") or "csv").lower()
        if fmt not in FORMATS:
            raise ValueError(f"destination {self.name}: format must be one of {FORMATS}")
        return fmt

    @property
    def written(self) -> list[Path]:
        """Files this destination has written so far (all runs), oldest first."""
        if not self.folder.is_dir():
            return []
        return sorted((p for p in self.folder.iterdir() if p.suffix in (".csv", ".parquet")),
                      key=lambda p: p.stat().st_mtime_ns)

    def removal_payload(self, record: OutRecord) -> dict[str, Any]:
        return {"customer_id": record.customer_id}

    def _write(self, op: str, rows: list[dict[str, Any]], parts: list[str]) -> None:
        batch_id = hashlib.sha256("\n".join([self.sync_name, op, *parts]).encode()).hexdigest()[:24]
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"{op}-{batch_id}.{self.format}"
        columns: dict[str, None] = {}
        for row in rows:
            columns.update(dict.fromkeys(row))
        table = pa.table({c: pa.array([_cell(row.get(c)) for row in rows], type=pa.string()) for c in columns})
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        if self.format == "csv":
            pa_csv.write_csv(table, temporary)
        else:
            pq.write_table(table, temporary)
        os.replace(temporary, target)
        self.http.stats.requests += 1  # one write is this destination's "request"

    def _upsert(self, op: str, records: Sequence[OutRecord], with_trigger: bool) -> BatchResult:
        rows = []
        for record in records:
            row: dict[str, Any] = {"key": record.key, "customer_id": record.customer_id}
            if with_trigger:
                row["trigger_id"], row["triggered_at"] = record.trigger_id, record.triggered_at
            row.update(record.fields)
            rows.append(row)
        self._write(op, rows, [f"{r.key}:{r.fields_hash}" for r in records])
        return BatchResult(accepted=[r.key for r in records])

    def upsert(self, records: Sequence[OutRecord]) -> BatchResult:
        return self._upsert("upsert", records, False)

    def append(self, records: Sequence[OutRecord]) -> BatchResult:
        return self._upsert("append", records, True)

    def remove(self, items: Sequence[RemoveItem]) -> BatchResult:
        self._write("remove", [{"key": i.key, "customer_id": i.customer_id} for i in items], [i.key for i in items])
        return BatchResult(accepted=[i.key for i in items])

    def erase(self, items: Sequence[RemoveItem]) -> BatchResult:
        self._write("erase", [{"key": i.key, "customer_id": i.customer_id} for i in items], [i.key for i in items])
        return BatchResult(accepted=[i.key for i in items])


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
