"""Row deltas: change a large serving table by the rows that changed instead of writing it anew.

A daily run changes a few rows of nearly every mart; writing such a table whole costs as much as
writing it the first time (``fct_events``: about 40 s at a million customers). A delta reads the
table in the serving copy and its build relation instead, and writes only the difference.

Each row is hashed (DuckDB's ``hash`` over every column, as :mod:`cdw.fingerprint` does). The serving
rows are kept with their ``rowid``; the build rows are counted per hash. Where a hash's count
differs between the two, every serving row with that hash is deleted and every build row with it
is inserted, so rows that repeat come out in the right number too. Equal counts of a hash are taken
for equal rows: the trust (up to a 64-bit collision) the publish already places in fingerprints.

The two tables behind a restricted view (the analytics columns, and the personal columns paired
with them by position) are patched together: their rows are read through the positional join,
the same positions are deleted from both, and the new rows are appended to both from one scratch
table in one order. The pair's row count and sum of row hashes are then compared with the build's
(derived from the same grouping); any difference is reported and the caller writes the pair anew.

A delta is declined (the caller writes the table whole) when the copy's columns are not the ones
wanted, when more than half of the rows changed (a rewrite is cheaper), and when the rows deleted
since the table was last written whole pass ``publish.patch_max_deleted_share`` of it: a deleted
row keeps its place in the file until the table is written again.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from core.sql import quote_identifier

NARROWED = ("HUGEINT", "BIGINT")
"""A build column's type and the one the serving file keeps it in (cdw/serving_docs.py narrows HUGEINTs)."""
CHEAPER_TO_REWRITE = 0.5
"""Share of a table's rows changed (deleted plus inserted) above which writing it whole is cheaper."""


@dataclass(frozen=True)
class Part:
    """One serving table a delta writes: ``schema.table`` and the columns it holds, in order."""

    schema: str
    table: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Patch:
    """What a delta did: rows deleted and inserted, or why it declined (the table is then written whole)."""

    deleted: int = 0
    inserted: int = 0
    declined: str = ""


def _q(name: str) -> str:
    return quote_identifier(name)


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str) -> list[tuple[str, str]]:
    return con.execute("select column_name, data_type from duckdb_columns() where database_name = ? and "
                       "schema_name = ? and table_name = ? order by column_index", [catalog, schema, table]).fetchall()


def patch(con: duckdb.DuckDBPyConnection, serving: str, source: tuple[str, str, str], parts: list[Part],
          every: tuple[str, ...], *, deleted_before: int, max_deleted_share: float) -> Patch:
    """Bring ``parts`` (tables of the attached ``serving`` file) to the rows of the build relation ``source``.

    ``source`` is the build relation's (catalog, schema, name); ``every`` its columns in order (one part holds
    them all, or two parts paired by position split them). ``deleted_before``: rows deleted from these
    tables by deltas since they were last written whole.
    """
    serving_types: dict[str, str] = {}
    for part in parts:
        found = _columns(con, serving, part.schema, part.table)
        if tuple(column for column, _ in found) != part.columns:
            return Patch(declined=f"{part.schema}.{part.table} in the copy does not have the columns wanted")
        serving_types.update(found)
    if set(serving_types) != set(every):
        return Patch(declined="the tables do not hold the relation's columns")
    build_types = dict(_columns(con, *source))
    if set(build_types) != set(every):
        return Patch(declined=f"{'.'.join(source[1:])} does not have the columns wanted")
    retyped = [column for column in every if build_types[column] != serving_types[column]
               and (build_types[column], serving_types[column]) != NARROWED]
    if retyped:
        return Patch(declined=f"the type of {', '.join(retyped)} changed")
    relation = ".".join(_q(part) for part in source)
    # the serving file narrows HUGEINTs to BIGINTs: hash the build's values as the copy holds them
    built = ", ".join(_q(column) if build_types[column] == serving_types[column]
                      else f"cast({_q(column)} as {serving_types[column]}) as {_q(column)}" for column in every)
    hashed = ", ".join(_q(column) for column in every)
    aliases = [f"p{index}" for index in range(len(parts))]
    served = " positional join ".join(f"{_q(serving)}.{_q(part.schema)}.{_q(part.table)} as {alias}"
                                      for part, alias in zip(parts, aliases, strict=True))
    rowids = ", ".join(f"{alias}.rowid as r{index}" for index, alias in enumerate(aliases))
    try:
        con.execute(f"create or replace temp table cdw_patch_old as select {rowids}, hash({hashed}) as h from {served}")
        # one grouping of both sides' hashes: the ones whose counts differ, with both counts
        con.execute(f"create or replace temp table cdw_patch_changed as select h, count(o) as old_n, count(n) as new_n "
                    f"from (select h, 1 as o, null::integer as n from cdw_patch_old union all "
                    f"select hash({hashed}) as h, null, 1 from (select {built} from {relation})) "
                    f"group by h having count(o) <> count(n)")
        old_rows, old_sum, deleted, inserted, change = con.execute(
            "select (select count(*) from cdw_patch_old), (select coalesce(sum(h), 0) from cdw_patch_old), "
            "coalesce(sum(old_n), 0), coalesce(sum(new_n), 0), coalesce(sum(h::hugeint * (new_n - old_n)), 0) "
            "from cdw_patch_changed").fetchall()[0]
        new_rows, new_sum = old_rows - deleted + inserted, old_sum + change  # the build's count and hash sum
        if deleted + inserted > CHEAPER_TO_REWRITE * max(old_rows, new_rows):
            return Patch(declined=f"{deleted:,} rows out and {inserted:,} in, of {max(old_rows, new_rows):,}: "
                                  "more than half")
        if deleted_before + deleted > max_deleted_share * max(old_rows, new_rows):
            return Patch(declined=f"{deleted_before + deleted:,} rows deleted since it was last written whole")
        for index, part in enumerate(parts):
            con.execute(f"delete from {_q(serving)}.{_q(part.schema)}.{_q(part.table)} where rowid in "
                        f"(select r{index} from cdw_patch_old where h in (select h from cdw_patch_changed))")
        if inserted:
            con.execute(f"create or replace temp table cdw_patch_rows as select * from "
                        f"(select {built} from {relation}) where hash({hashed}) in "
                        f"(select h from cdw_patch_changed where new_n > 0)")
            for part in parts:  # one scan order for every part: the pairs stay paired by position
                columns = ", ".join(_q(column) for column in part.columns)
                con.execute(f"insert into {_q(serving)}.{_q(part.schema)}.{_q(part.table)} ({columns}) "
                            f"select {columns} from cdw_patch_rows")
        served = " positional join ".join(f"{_q(serving)}.{_q(part.schema)}.{_q(part.table)}" for part in parts)
        check = f"coalesce(sum(hash({hashed})), 0)" if len(parts) > 1 else "null"
        rows, total = con.execute(f"select count(*), {check} from {served}").fetchall()[0]
    except duckdb.Error as exc:
        return Patch(declined=f"the delta failed ({type(exc).__name__}: {(str(exc).splitlines() or [''])[0]})")
    finally:
        con.execute("drop table if exists cdw_patch_old; drop table if exists cdw_patch_changed; "
                    "drop table if exists cdw_patch_rows")
    if rows != new_rows or (total is not None and total != new_sum):
        return Patch(declined=f"the patched rows do not match the build ({rows:,} rows against {new_rows:,})")
    return Patch(deleted=deleted, inserted=inserted)

