"""Every contract table exists, typed (empty when nothing landed), whichever files or APIs delivered data.

dlt creates a table only when rows arrive, and export files cannot fill every raw table (an
orders export has no refunds table; a seller without Zendesk has no tickets). dbt sources over a
table that never landed fail the whole build. :func:`ensure_contract_tables` creates each missing
table through the system's own dlt pipeline, from an empty Arrow batch in exactly the shape the
landing source hands dlt (contract types and keys, the landing columns), so the table and dlt's
schema are what a first real load would have created, and later loads merge into it as usual.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import dlt
import pyarrow as pa
from dlt.extract import DltResource

from core.contracts import SystemContract, Table, load_contracts
from core.duckdb_files import connect_for_reading
from ingestion.contract_check import QUARANTINE_SCHEMA
from ingestion.landing_source import (
    LOADED_AT_COLUMN,
    MERGE,
    QUARANTINE_HINTS,
    QUARANTINE_TABLE,
    SCHEMA_CONTRACT,
    SOURCE_FILE_COLUMN,
    column_hints,
)
from ingestion.load import keep_dlt_quiet, make_pipeline, run_pipeline


def missing_tables(warehouse: Path, contracts: Iterable[SystemContract]) -> dict[str, list[str]]:
    """Per system, the contract tables (and quarantine) the warehouse does not hold yet, or holds
    without a column the contract has gained since they were created (an upgrade: staging reads
    the new column before any load brings it)."""
    contracts = list(contracts)
    present: dict[tuple[str, str], set[str]] = {}
    if Path(warehouse).is_file():
        with connect_for_reading(Path(warehouse)) as con:
            for schema, table, column in con.execute(
                    "select schema_name, table_name, column_name from duckdb_columns()").fetchall():
                present.setdefault((schema, table), set()).add(column)
    missing: dict[str, list[str]] = {}
    for contract in contracts:
        expected = {t.name: {c.name for c in t.columns} for t in contract.tables}
        expected[QUARANTINE_TABLE] = set()
        absent = [name for name, columns in expected.items()
                  if (contract.schema, name) not in present or not columns <= present[(contract.schema, name)]]
        if absent:
            missing[contract.system] = absent
    return missing


ARROW_TYPES = {"text": pa.string(), "bigint": pa.int64(), "double": pa.float64(), "boolean": pa.bool_()}


def empty_batch(table: Table) -> pa.Table:
    """No rows, in exactly the Arrow shape the landing source hands dlt for this table."""
    fields = [pa.field(c.name, ARROW_TYPES[c.type], nullable=c.name not in table.primary_key) for c in table.columns]
    fields += [pa.field(SOURCE_FILE_COLUMN, pa.string()), pa.field(LOADED_AT_COLUMN, pa.timestamp("us", tz="UTC"))]
    return pa.schema(fields).empty_table()


def _empty(batch: pa.Table) -> Iterator[pa.Table]:
    yield batch


def _resource(table: Table) -> DltResource:
    return dlt.resource(_empty(empty_batch(table)), name=table.name, write_disposition=MERGE,
                        primary_key=list(table.primary_key), columns=column_hints(table),
                        schema_contract=SCHEMA_CONTRACT)


@dlt.source(schema_contract=SCHEMA_CONTRACT, max_table_nesting=0)
def _empty_tables(resources: list[DltResource]) -> list[DltResource]:
    return resources


def _quarantine() -> DltResource:
    return dlt.resource(_empty(QUARANTINE_SCHEMA.empty_table()), name=QUARANTINE_TABLE, write_disposition=MERGE,
                        primary_key="quarantine_id", columns=QUARANTINE_HINTS, schema_contract=SCHEMA_CONTRACT)


def ensure_contract_tables(warehouse: Path, pipelines_dir: Path,
                           systems: Iterable[str] | None = None) -> dict[str, list[str]]:
    """Create every missing contract table of ``systems`` (default: all) and add the contract's new
    columns to tables created before it had them (dlt adds them, as a load bringing them would, so
    its schema knows them); returns the tables created or completed.

    ``warehouse`` must not be open for writing by another process (DuckDB allows one writer).
    """
    contracts = load_contracts()
    chosen = [contracts[s] for s in (systems if systems is not None else sorted(contracts))]
    missing = missing_tables(warehouse, chosen)
    if not missing:
        return {}
    keep_dlt_quiet()
    Path(warehouse).parent.mkdir(parents=True, exist_ok=True)
    for contract in chosen:
        names = missing.get(contract.system)
        if not names:
            continue
        resources = [_quarantine() if name == QUARANTINE_TABLE else _resource(contract.table(name)) for name in names]
        source = _empty_tables.with_args(name=contract.system)(resources)
        run_pipeline(lambda contract=contract: make_pipeline(contract.system, contract.schema, Path(warehouse),
                                                             Path(pipelines_dir)), source)
    return missing
