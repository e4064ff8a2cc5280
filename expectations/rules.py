"""A rule is one Great Expectations expectation on one relation, with a severity.

``error`` rules block publishing and every downstream step; ``warn`` rules are reported only.
Rules are built from configuration (the landing contracts here; the data dictionary and the
identity, value and consent rules as they are added), never written by hand per table.
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
    """One expectation applied to one relation.

    ``scope="row"`` rules judge each row on its own and run chunk by chunk (bounded memory);
    ``scope="table"`` rules (uniqueness) need every row of their columns at once and run on a
    narrow frame holding only those columns.
    """

    suite: str
    relation: str  # "schema.table" in the build warehouse
    expectation: gx.expectations.Expectation
    severity: Severity
    columns: tuple[str, ...]
    scope: Literal["row", "table"] = "row"
    where: str | None = None  # SQL predicate choosing the batch to validate
    pii_columns: frozenset[str] = field(default_factory=frozenset)

    @property
    def name(self) -> str:
        column_part = ",".join(self.columns)
        return f"{self.expectation.expectation_type}({column_part})"

    @property
    def key(self) -> str:
        return f"{self.suite}:{self.relation}:{self.name}"


def with_severity(expectation: gx.expectations.Expectation, severity: Severity) -> gx.expectations.Expectation:
    expectation.severity = GX_SEVERITY[severity]
    expectation.meta = {**(expectation.meta or {}), "severity": severity}
    return expectation
