"""Vendor API connectors (one package per vendor) and the machinery they share.

**Convention** (what :mod:`ingestion.api` relies on): ``ingestion/sources/<vendor>/source.py``
defines ``SYSTEM`` (the system name of ``ingestion/contracts/<system>.yml``) and ``source(...)``, a
``@dlt.source`` whose resources are named exactly as the contract tables, so they land in
``raw_<system>.<table>`` next to what the file path lands, plus one ``quarantine`` resource.

**Shared here**, so every vendor behaves alike:

- *Checked pages.* Vendor records already carrying landed names become an Arrow batch of exactly
  the contract columns (:func:`rows_to_arrow`), are checked with
  :func:`ingestion.contract_check.check_batch`, and valid rows are stamped with
  ``_cdw_source_file`` (``api:<system>/<table>``) and ``_cdw_loaded_at``.
- *One response, several tables, one cursor* (:meth:`ApiRun.cursor_resources`). dlt applies a
  resource's ``dlt.sources.incremental`` to *every* item the resource yields, and an Arrow batch
  without the cursor column (a child table, a quarantine row) makes it fail. So the resource that
  owns the cursor yields only its own table; the child tables cut from the same responses wait in
  the run and are yielded by transformers fed from that resource, once some parent row of their
  response has passed the incremental step (children of responses the cursor wholly dropped as
  already landed are not landed again). The resource ends with :func:`flush` (an empty list:
  dlt's incremental step passes it through), so the transformers take what is left at the end.
- *Quarantine* (:meth:`ApiRun.quarantine_resource`). A resource's column hints also apply to any
  table it routes rows to, so rule-breaking rows are yielded by a ``quarantine`` resource of
  their own, listed last: dlt polls resources in list order, so it waits (yielding nothing) until
  every table resource that started has finished, then yields their quarantine rows.
- *Waiting* (:class:`Backoff`, :func:`retry_after_seconds`, the loop of :mod:`core.http` that the
  activation destinations use too): exponential backoff that honours the vendor's ``Retry-After``,
  with a ``scale`` so tests wait milliseconds instead of seconds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import dlt
import duckdb
import pyarrow as pa
from dlt.common.normalizers.naming.snake_case import NamingConvention
from dlt.extract import DltResource

from core.contracts import SystemContract, Table
from core.http import Backoff as Backoff  # the vendor clients' waiting, shared with activation
from core.http import retry_after_seconds as retry_after_seconds
from ingestion.contract_check import ARROW_TYPES, QUARANTINE_SCHEMA, check_batch, connect_duckdb
from ingestion.landing_source import (
    MERGE,
    QUARANTINE_HINTS,
    QUARANTINE_TABLE,
    SCHEMA_CONTRACT,
    SOURCE_FILE_COLUMN,
    column_hints,
    with_landed_at,
)

Rows = Sequence[Mapping[str, Any]]
Page = Mapping[str, Rows]
"""Records of one vendor response, per contract table (landed names)."""

_NAMING = NamingConvention()


# -- names and values ------------------------------------------------------------------------


def landed_key(key: str) -> str:
    """A vendor field name as dlt's snake_case naming lands it (``SellerSKU`` -> ``seller_sku``)."""
    return _NAMING.normalize_identifier(key)


def flatten(record: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects become ``parent__child`` keys with landed names, as dlt does for JSON."""
    flat: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}__{landed_key(key)}" if prefix else landed_key(key)
        if isinstance(value, Mapping):
            flat.update(flatten(value, name))
        else:
            flat[name] = value
    return flat


def source_tag(system: str, table: str) -> str:
    """What ``_cdw_source_file`` says for rows pulled from an API: ``api:<system>/<table>``."""
    return f"api:{system}/{table}"


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def rows_to_arrow(table: Table, rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    """Exactly the contract's columns, in contract order, from rows keyed by landed names.

    A column gets its landed Arrow type when every value fits; otherwise it stays text, so that
    :func:`check_batch` quarantines the rows that do not cast instead of the whole page failing.
    Keys that are not contract columns are not landed.
    """
    rows = list(rows)
    arrays: list[pa.Array] = []
    for column in table.columns:
        values = [row.get(column.name) for row in rows]
        try:
            arrays.append(pa.array(values, ARROW_TYPES[column.type]))
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
            arrays.append(pa.array([None if v is None else _as_text(v) for v in values], pa.string()))
    return pa.Table.from_arrays(arrays, names=list(table.column_names))


def start_timestamp(value: str | datetime | None) -> str | None:
    """A configured start date as the ISO 8601 UTC timestamp APIs expect (``2024-01-01`` ->
    ``2024-01-01T00:00:00Z``); ``None`` stays ``None``. Raises ``ValueError`` on anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = value.strip()
        value = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def flush() -> list[Any]:
    """The last item of a cursor resource: passes dlt's incremental step, wakes the transformers."""
    return []


# -- one run of an API source -----------------------------------------------------------------


class ApiRun:
    """One run of one system's API source: checks pages, holds child and quarantine rows.

    Create one per ``source()`` call; its resources share it (dlt runs them in one thread).
    """

    def __init__(self, contract: SystemContract, *, run_at: datetime | None = None) -> None:
        self.contract = contract
        self.run_at = run_at or datetime.now(UTC)
        self._held: dict[str, list[pa.Table]] = defaultdict(list)
        self._started: set[str] = set()
        self._finished: set[str] = set()

    # -- pages -----------------------------------------------------------------------------

    def check(self, table_name: str, rows: Rows, connection: duckdb.DuckDBPyConnection | None = None) -> pa.Table:
        """The page's valid rows, stamped; its rule-breaking rows are kept for ``quarantine``."""
        return self._check(table_name, rows, connection)[0]

    def _check(self, table_name: str, rows: Rows, connection: duckdb.DuckDBPyConnection | None) -> tuple[pa.Table, int]:
        """Valid rows (stamped) and how many rows went to quarantine."""
        table = self.contract.table(table_name)
        tag = source_tag(self.contract.system, table_name)
        result = check_batch(rows_to_arrow(table, rows), table, source_file=tag, quarantined_at=self.run_at,
                             connection=connection)
        self.hold(QUARANTINE_TABLE, result.quarantine)
        valid = result.valid.append_column(SOURCE_FILE_COLUMN, pa.repeat(pa.scalar(tag), result.valid.num_rows))
        return with_landed_at(valid, self.run_at), result.quarantine.num_rows

    def hold(self, table_name: str, rows: pa.Table) -> None:
        """Keep rows until the resource of ``table_name`` takes them."""
        if rows.num_rows:
            self._held[table_name].append(rows)

    def take(self, table_name: str) -> list[pa.Table]:
        """Everything held for ``table_name`` so far (and forget it)."""
        return self._held.pop(table_name, [])

    # -- resources -------------------------------------------------------------------------

    def hints(self, table_name: str) -> dict[str, Any]:
        """``dlt.resource`` keyword arguments of a contract table: merge on its key, contract hints."""
        table = self.contract.table(table_name)
        return {
            "name": table.name,
            "write_disposition": MERGE,
            "primary_key": list(table.primary_key),
            "columns": column_hints(table),
            "schema_contract": SCHEMA_CONTRACT,
        }

    def cursor_resources(
        self,
        table_name: str,
        pages: Callable[[Any], Iterable[Page]],
        *,
        initial_value: Any,
        children: Sequence[str] = (),
        cursor_value_missing: str = "raise",
    ) -> list[DltResource]:
        """The resource of a table with a contract cursor, plus one transformer per child table.

        ``pages(start)`` pulls everything changed since ``start`` (the cursor's last value, or
        ``initial_value`` on the first run) and yields, per vendor response, the records of this
        table and of its ``children`` (tables cut from the same responses, e.g. an order's line
        items). Only this table's rows pass ``dlt.sources.incremental``, which keeps the cursor
        and drops rows already landed at the boundary.
        """
        table = self.contract.table(table_name)
        if table.cursor is None:
            raise ValueError(f"{table.qualified_name} has no cursor in its contract")

        held = _HeldChildren(table.primary_key)
        incremental = dlt.sources.incremental(table.cursor, initial_value=initial_value,
                                              on_cursor_value_missing=cursor_value_missing)

        def rows(cursor: dlt.sources.incremental[Any] = incremental) -> Iterator[Any]:
            self._started.add(table_name)
            connection = connect_duckdb()
            try:
                for page in pages(cursor.start_value):
                    strays = sorted(set(page) - {table_name, *children})
                    if strays:
                        raise ValueError(f"{table_name} pages carry rows for {strays}, not declared as children")
                    own, quarantined = self._check(table_name, page.get(table_name) or [], connection)
                    children_rows = {name: self._check(name, records, connection)[0]
                                     for name, records in page.items() if name != table_name and records}
                    held.add(own, quarantined, children_rows)
                    if own.num_rows:
                        yield own
                yield flush()
            finally:
                connection.close()
                self._finished.add(table_name)

        resource = dlt.resource(rows, **self.hints(table_name))
        return [resource, *(self._child(resource, held, child) for child in children)]

    def _child(self, parent: DltResource, held: _HeldChildren, table_name: str) -> DltResource:
        def rows(parent_rows: Any) -> Iterator[pa.Table]:
            final = isinstance(parent_rows, list)  # the flush after the parent's last page
            if not final:
                held.release(parent_rows)
            yield from held.take(table_name, final=final)

        return dlt.transformer(rows, data_from=parent, **self.hints(table_name))

    def quarantine_rows(self) -> Iterator[pa.Table | None]:
        """Body of ``quarantine``: wait for the table resources that started, then their bad rows."""
        while self._started - self._finished:
            yield None  # dlt moves on to the other resources and asks again later
        parts = self.take(QUARANTINE_TABLE)
        if parts:
            yield last_per_quarantine_id(pa.concat_tables(parts))

    def quarantine_resource(self) -> DltResource:
        """The ``quarantine`` resource; list it after every table resource of the source."""
        def quarantine() -> Iterator[pa.Table | None]:
            yield from self.quarantine_rows()

        return dlt.resource(
            quarantine,
            name=QUARANTINE_TABLE,
            write_disposition=MERGE,
            primary_key="quarantine_id",
            columns=QUARANTINE_HINTS,
            schema_contract=SCHEMA_CONTRACT,
        )


@dataclass
class _HeldPage:
    keys: set[tuple[Any, ...]]
    """Primary keys of the parent rows of this response that passed the contract check."""
    rows: dict[str, pa.Table]
    """Valid child rows of this response, per child table, until that table's transformer takes them."""
    parent_quarantined: bool
    released: bool = False


class _HeldChildren:
    """Child rows of a cursor resource's responses, released once their parents are known to land.

    A response's children land when at least one of its parent rows passed the incremental step
    (the transformers see those rows), or, at the end, when some of its parents were quarantined
    (their children are judged on their own, as in the file path). Children of responses whose
    parents were all dropped by the incremental step (already landed at the cursor boundary) are
    not landed again.
    """

    def __init__(self, key_columns: Sequence[str]) -> None:
        self.key_columns = list(key_columns)
        self.pages: list[_HeldPage] = []

    def _keys(self, rows: pa.Table) -> set[tuple[Any, ...]]:
        if not rows.num_rows or any(k not in rows.column_names for k in self.key_columns):
            return set()
        return set(zip(*(rows[k].to_pylist() for k in self.key_columns), strict=True))

    def add(self, parents: pa.Table, quarantined: int, children: Mapping[str, pa.Table]) -> None:
        children = {name: rows for name, rows in children.items() if rows.num_rows}
        if children:
            self.pages.append(_HeldPage(self._keys(parents), children, quarantined > 0))

    def release(self, parent_rows: pa.Table) -> None:
        """Parent rows passed the incremental step: their responses' children may land."""
        keys = self._keys(parent_rows)
        for page in self.pages:
            if not page.released and page.keys & keys:
                page.released = True

    def take(self, table_name: str, *, final: bool) -> list[pa.Table]:
        taken: list[pa.Table] = []
        for page in self.pages:
            if page.released or (final and page.parent_quarantined):
                if table_name in page.rows:
                    taken.append(page.rows.pop(table_name))
            elif final:
                page.rows.pop(table_name, None)
        self.pages = [p for p in self.pages if p.rows]
        return taken


def last_per_quarantine_id(rows: pa.Table) -> pa.Table:
    """One row per quarantine id (the last delivered), like the file path's quarantine."""
    last: dict[str, int] = {}
    for index, quarantine_id in enumerate(rows["quarantine_id"].to_pylist()):
        last[quarantine_id] = index
    return rows.take(pa.array(sorted(last.values()), pa.int64())).cast(QUARANTINE_SCHEMA)
