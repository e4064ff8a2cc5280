"""Every contract table exists, typed and empty, whichever files or APIs delivered data.

dlt creates a table only when rows arrive, and export files cannot fill every raw table (an
orders export has no refunds table; a seller without Zendesk has no tickets). dbt sources over a
table that never landed fail the whole build. :func:`ensure_contract_tables` creates each missing
table through the system's own dlt pipeline (dlt's ``materialize_table_schema`` marker), with the
contract's column types and keys, so the table is exactly what a first real load would have
created and later loads merge into it as usual.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import dlt
from dlt.extract import DltResource

from core.contracts import SystemContract, Table, load_contracts
from core.duckdb_files import connect_for_reading
from ingestion.landing_source import (
    MERGE,
    QUARANTINE_HINTS,
    QUARANTINE_TABLE,
    SCHEMA_CONTRACT,
    column_hints,
)
from ingestion.load import keep_dlt_quiet, make_pipeline


def missing_tables(warehouse: Path, contracts: Iterable[SystemContract]) -> dict[str, list[str]]:
    """Per system, the contract tables (and quarantine) the warehouse does not hold yet."""
    contracts = list(contracts)
    present: set[tuple[str, str]] = set()
    if Path(warehouse).is_file():
        with connect_for_reading(Path(warehouse)) as con:
            present = {(s, t) for s, t in con.execute("select schema_name, table_name from duckdb_tables()").fetchall()}
    missing: dict[str, list[str]] = {}
    for contract in contracts:
        names = [t.name for t in contract.tables] + [QUARANTINE_TABLE]
        absent = [name for name in names if (contract.schema, name) not in present]
        if absent:
            missing[contract.system] = absent
    return missing


def _empty(name: str) -> Iterator[object]:
    yield dlt.mark.materialize_table_schema()


def _resource(table: Table) -> DltResource:
    return dlt.resource(_empty(table.name), name=table.name, write_disposition=MERGE,
                        primary_key=list(table.primary_key), columns=column_hints(table),
                        schema_contract=SCHEMA_CONTRACT)


@dlt.source(schema_contract=SCHEMA_CONTRACT, max_table_nesting=0)
def _empty_tables(resources: list[DltResource]) -> list[DltResource]:
    return resources


def _quarantine() -> DltResource:
    return dlt.resource(_empty(QUARANTINE_TABLE), name=QUARANTINE_TABLE, write_disposition=MERGE,
                        primary_key="quarantine_id", columns=QUARANTINE_HINTS, schema_contract=SCHEMA_CONTRACT)


def ensure_contract_tables(warehouse: Path, pipelines_dir: Path,
                           systems: Iterable[str] | None = None) -> dict[str, list[str]]:
    """Create every missing contract table of ``systems`` (default: all); returns what was created.

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
        make_pipeline(contract.system, contract.schema, Path(warehouse), Path(pipelines_dir)).run(source)
    return missing
