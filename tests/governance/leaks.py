"""Search every byte under a home for a person: raw file bytes, and every table of every DuckDB and Parquet file.

Independent of :mod:`cdw.scrub` on purpose (a test must not grade the code with the code's own rules):
a needle is an e-mail (case-insensitive), a phone (its national digits however they are separated) or
a full name (first and last name in one value, or as two values of one row).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb


@dataclass(frozen=True)
class Person:
    emails: frozenset[str]
    phones: frozenset[str]  # E.164
    names: frozenset[tuple[str, str]]  # (first, last), lower case

    def byte_patterns(self) -> list[re.Pattern[bytes]]:
        patterns = [re.compile(re.escape(e.lower().encode()), re.I) for e in self.emails]
        for phone in self.phones:
            digits = re.sub(r"\D", "", phone)[-10:]
            patterns.append(re.compile(rb"[^0-9a-z]{0,3}".join(re.escape(d.encode()) for d in digits)))
        for first, last in self.names:
            patterns.append(re.compile(re.escape(first.encode()) + rb"[\s,]{1,3}" + re.escape(last.encode()), re.I))
        return patterns


def _row_sql(columns: list[str], person: Person) -> str:
    cells = [f'lower(coalesce(cast("{c}" as varchar), \'\'))' for c in columns]
    text = " || chr(31) || ".join(cells)
    conditions = [f"contains({text}, '{e.lower()}')" for e in person.emails]
    for phone in person.phones:
        digits = re.sub(r"\D", "", phone)[-10:]
        conditions.append(f"contains(regexp_replace({text}, '[^0-9]', '', 'g'), '{digits}')")
    for first, last in person.names:
        conditions.append(f"contains({text}, '{first} {last}')")
        conditions.append(f"(list_contains([{', '.join(cells)}], '{first}') "
                          f"and list_contains([{', '.join(cells)}], '{last}'))")
    return " or ".join(f"({c})" for c in conditions)


def _duckdb_hits(path: Path, person: Person) -> list[str]:
    con = duckdb.connect(str(path), read_only=True)
    con.execute("set enable_progress_bar = false")
    try:
        rows = con.execute("select table_schema, table_name, list(column_name order by ordinal_position) "
                           "from information_schema.columns where table_catalog = current_database() "
                           "group by all").fetchall()
        hits = []
        for schema, table, columns in rows:
            count = con.execute(f'select count(*) from "{schema}"."{table}" where {_row_sql(columns, person)}'
                                ).fetchall()[0][0]
            if count:
                hits.append(f"{path}: {schema}.{table} ({count} rows)")
        return hits
    finally:
        con.close()


def _parquet_hits(path: Path, person: Person) -> list[str]:
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    try:
        source = "read_parquet('" + str(path).replace("'", "''") + "')"
        columns = [r[0] for r in con.execute(f"describe select * from {source}").fetchall()]
        count = con.execute(f"select count(*) from {source} where {_row_sql(columns, person)}").fetchall()[0][0]
        return [f"{path}: {count} rows"] if count else []
    finally:
        con.close()


def find_person(home: Path, person: Person) -> list[str]:
    """Every place under ``home`` that still holds the person (empty: none)."""
    hits = []
    patterns = person.byte_patterns()
    for path in sorted(home.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        data = path.read_bytes()
        hits += [f"{path}: bytes match {p.pattern[:40]!r}" for p in patterns if p.search(data)]
        if data[8:12] == b"DUCK" and not path.name.endswith(".wal"):
            hits += _duckdb_hits(path, person)
        elif data[:4] == b"PAR1":
            hits += _parquet_hits(path, person)
    return hits
