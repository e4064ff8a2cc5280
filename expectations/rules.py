"""A rule is one Great Expectations expectation on one relation, with a severity.

``error`` rules block publishing and every downstream step; ``warn`` rules are reported only.
Rules are built from configuration (the landing contracts, the data dictionary's governed fields
and rule severities, the activation syncs), never written by hand per table.

Two shapes of rule:

* a **column rule** judges the rows of a relation as they are (``columns`` are read chunk by chunk);
* a **query rule** judges the rows of a SQL query over one or more relations (``query``): DuckDB
  does the set work (group, join, count) and GX judges each resulting row, so "one row per key"
  becomes "rows_per_key is between 1 and 1" over the grouped keys, still chunk by chunk.

A rule marked ``on_missing="warn"`` (every suite except the landing contracts) whose relation or
column does not exist yet is reported as *not built yet* with severity ``warn``; it is enforced
with its own severity as soon as the relation exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import great_expectations as gx
from great_expectations.expectations.metadata_types import FailureSeverity

Severity = Literal["error", "warn"]
GX_SEVERITY: dict[str, FailureSeverity] = {"error": FailureSeverity.CRITICAL, "warn": FailureSeverity.WARNING}


@dataclass(frozen=True)
class Rule:
    """One expectation applied to one relation (or to a query over relations).

    ``scope="row"`` rules judge each row on its own and run chunk by chunk (bounded memory);
    ``scope="table"`` rules (uniqueness, column sets) need every row of their columns at once and
    run on a narrow frame holding only those columns. A table rule with ``partition_by`` (a
    uniqueness rule: its keys) only needs the rows that share those columns' values together: it
    runs on buckets of the rows' key hash, each holding every row of its keys (still every row,
    with the memory of a bucket); with ``keys_of`` as well, a rule that passed before is judged on
    the rows of the keys the new rows carry.
    """

    suite: str
    relation: str  # "schema.table" in the build warehouse: the relation the rule is about
    expectation: gx.expectations.Expectation
    severity: Severity
    columns: tuple[str, ...]
    scope: Literal["row", "table"] = "row"
    where: str | None = None  # SQL predicate choosing the batch to validate
    pii_columns: frozenset[str] = field(default_factory=frozenset)
    query: str | None = None  # SQL giving the frame to validate (instead of the relation's columns)
    requires: tuple[str, ...] = ()  # relations that must exist (default: ``relation``)
    on_missing: Literal["fail", "warn"] = "fail"
    example_columns: tuple[str, ...] = ()  # key columns shown (masked if personal) for failing rows
    family: str = ""  # rule family in the data dictionary's ``rules`` (where its severity comes from)
    description: str = ""  # why the rule exists, in words, for reports
    plain: bool = False  # report failures as the description and the examples' values, in plain words
    partition_by: tuple[str, ...] = ()  # table rules: rows with equal values here are judged together
    keys_of: str | None = None
    """Table rules with ``partition_by``: SQL predicate picking the new rows (the latest load). Once the
    rule has passed, it is judged on every row whose ``partition_by`` values occur among those rows (a
    duplicate key always involves a row added since); every row otherwise (runner._judged_rows)."""

    @property
    def name(self) -> str:
        column_part = ",".join(self.columns)
        return f"{self.expectation.expectation_type}({column_part})"

    @property
    def key(self) -> str:
        return f"{self.suite}:{self.relation}:{self.name}"

    @property
    def required_relations(self) -> tuple[str, ...]:
        return self.requires or (self.relation,)

    @property
    def read_columns(self) -> tuple[str, ...]:
        """Columns a column rule reads: the judged ones and the example keys."""
        return tuple(dict.fromkeys((*self.columns, *self.example_columns)))


def with_severity(expectation: gx.expectations.Expectation, severity: Severity) -> gx.expectations.Expectation:
    expectation.severity = GX_SEVERITY[severity]
    expectation.meta = {**(expectation.meta or {}), "severity": severity}
    return expectation


def governed_rule(suite: str, relation: str, expectation: gx.expectations.Expectation, *, family: str,
                  severity: Severity, columns: tuple[str, ...], description: str, **options) -> Rule:
    """A rule of one of the dictionary-driven suites (not built yet -> warn)."""
    expectation.meta = {**(expectation.meta or {}), "family": family, "description": description}
    return Rule(suite=suite, relation=relation, expectation=with_severity(expectation, severity), severity=severity,
                columns=columns, family=family, description=description, on_missing="warn", **options)
