"""What the build warehouse holds right now: relations, their columns and types.

Suites are built against it so a rule can follow a governed column wherever it appears
(``marts.*.customer_status``) and so a relation that is not built yet is known before reading it.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

import duckdb

NUMERIC_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
                 "UBIGINT", "FLOAT", "REAL", "DOUBLE", "DECIMAL")


@dataclass(frozen=True)
class Catalog:
    """relation ("schema.table", lower case) -> column (lower case) -> DuckDB type."""

    relations: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection) -> Catalog:
        rows = con.execute(
            "select lower(table_schema || '.' || table_name), lower(column_name), upper(data_type) "
            "from information_schema.columns where table_catalog = current_database() "
            "order by table_schema, table_name, ordinal_position"
        ).fetchall()
        relations: dict[str, dict[str, str]] = {}
        for relation, column, data_type in rows:
            relations.setdefault(relation, {})[column] = data_type
        return cls(relations)

    def exists(self, relation: str) -> bool:
        return relation.lower() in self.relations

    def columns(self, relation: str) -> dict[str, str]:
        return self.relations.get(relation.lower(), {})

    def has(self, relation: str, *columns: str) -> bool:
        present = self.columns(relation)
        return bool(present) and all(c.lower() in present for c in columns)

    def match(self, relation_pattern: str, column_pattern: str) -> list[tuple[str, str]]:
        """(relation, column) pairs matching both shell-style patterns, in catalog order."""
        return [(relation, column) for relation, columns in self.relations.items()
                if fnmatch.fnmatchcase(relation, relation_pattern.lower())
                for column in columns if fnmatch.fnmatchcase(column, column_pattern.lower())]

    def with_columns(self, schema_pattern: str, *columns: str) -> list[str]:
        """Relations in matching schemas that hold every one of ``columns``."""
        return [r for r in self.relations
                if fnmatch.fnmatchcase(r.split(".")[0], schema_pattern) and self.has(r, *columns)]

    def is_numeric(self, relation: str, column: str) -> bool:
        return self.columns(relation).get(column.lower(), "").startswith(NUMERIC_TYPES)
