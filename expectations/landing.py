"""Landing contracts: the rules every new load batch of a raw table must meet.

Built from ``ingestion/contracts/*.yml``. Rows that break them are quarantined during ingestion,
so on a healthy run these pass; they guard the raw tables against a connector or a file reader
that lets bad rows through.
"""

from __future__ import annotations

import great_expectations as gx

from core.contracts import Table, all_tables
from core.identifiers import EMAIL_PATTERN as IDENTIFIER_EMAIL_PATTERN
from expectations.rules import Rule, with_severity

_SPACE = r"[ \t\n\r\f\v]"
"""ASCII white space, spelled out. Python's classes for white space and digits make pandas leave
Arrow's regex engine for a Python loop over every value (RE2 reads them differently), which cost most
of the check step on the raw event tables; ingestion's own check trims and matches ASCII digits too."""
EMAIL_PATTERN = (r"(?i)^" + _SPACE + "*" + IDENTIFIER_EMAIL_PATTERN.removeprefix("^").removesuffix("$")
                 + _SPACE + "*$")
"""Raw addresses as landed (any case, surrounding spaces) with the shape of the warehouse's e-mail rule."""
ISO_TIMESTAMP_PATTERN = (r"^" + _SPACE + r"*[0-9]{4}-[0-9]{2}-[0-9]{2}"
                         r"(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"
                         r"(?:Z|[+-][0-9]{2}:?[0-9]{2})?" + _SPACE + "*$")
DECIMAL_PATTERN = r"^-?[0-9]+(?:\.[0-9]+)?$"
NON_NEGATIVE_DECIMAL_PATTERN = r"^[0-9]+(?:\.[0-9]+)?$"
PII_HINTS = ("email", "phone", "name", "address", "zip", "postal")


def _latest_load(table: Table) -> str:
    """The newest load batch: rows landed by the latest run (every landed row carries its run's start)."""
    return f"_cdw_loaded_at = (select max(_cdw_loaded_at) from {table.qualified_name})"


def _pii(table: Table) -> frozenset[str]:
    return frozenset(c.name for c in table.columns if any(h in c.name for h in PII_HINTS))


def table_rules(table: Table) -> list[Rule]:
    """Rules for one raw table, validated on its latest load batch."""
    suite = f"landing.{table.system}"
    where = _latest_load(table)
    pii = _pii(table)
    rules: list[Rule] = []

    def add(expectation: gx.expectations.Expectation, columns: tuple[str, ...], scope: str = "row",
            batch: str | None = where, partition_by: tuple[str, ...] = (), keys_of: str | None = None) -> None:
        rules.append(Rule(suite=suite, relation=table.qualified_name, expectation=with_severity(expectation, "error"),
                          severity="error", columns=columns, scope=scope, where=batch, pii_columns=pii,
                          partition_by=partition_by, keys_of=keys_of))

    for column in table.columns:
        name = column.name
        if column.required:
            add(gx.expectations.ExpectColumnValuesToNotBeNull(column=name), (name,))
        if column.format == "email":
            add(gx.expectations.ExpectColumnValuesToMatchRegex(column=name, regex=EMAIL_PATTERN), (name,))
        elif column.format == "timestamp":
            add(gx.expectations.ExpectColumnValuesToMatchRegex(column=name, regex=ISO_TIMESTAMP_PATTERN), (name,))
        elif column.format == "decimal":
            pattern = NON_NEGATIVE_DECIMAL_PATTERN if column.min == 0 else DECIMAL_PATTERN
            add(gx.expectations.ExpectColumnValuesToMatchRegex(column=name, regex=pattern), (name,))
        if column.min is not None and column.type in ("bigint", "double"):
            add(gx.expectations.ExpectColumnValuesToBeBetween(column=name, min_value=column.min), (name,))
    # Keys must be unique across the whole table, not only within the new batch. Duplicates of a key
    # share its hash: judged bucket by bucket of the key's hash (every row, the memory of a bucket: a
    # table of 20M events no longer sits in pandas at once). Once the rule has passed, a new duplicate
    # involves a row of the new batch: the rows of the batch's keys are judged (a day's load of a
    # 20M-row table reads its few thousand keys, not the table).
    keys = table.primary_key
    if len(keys) == 1:
        add(gx.expectations.ExpectColumnValuesToBeUnique(column=keys[0]), keys, scope="table", batch=None,
            partition_by=keys, keys_of=where)
    else:
        add(gx.expectations.ExpectCompoundColumnsToBeUnique(column_list=list(keys)), keys, scope="table",
            batch=None, partition_by=keys, keys_of=where)
    return rules


def landing_rules() -> list[Rule]:
    return [rule for table in all_tables() for rule in table_rules(table)]
