"""Check a generated demo's truth against its files at any scale, in DuckDB (out of core).

    python benchmarks/generator.py --customers 1000000 --keep DIR
    python benchmarks/generator_truth.py DIR

Counts what would make the truth wrong; every count should be 0: truth rows that do not match the
file's rows one to one (position and primary key), records whose rows name more than one person
or that have other than exactly one valid row, junk rows whose key a real record has, persons
numbered other than 1..N, and inboxes or (outside the UK) phones shared by two households.
Prints the counts as a table and as one JSON line; exits 1 if any is not 0.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import duckdb

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO_ROOT))

from core.contracts import Table, all_tables  # noqa: E402
from core.sql import literal, quote_identifier  # noqa: E402
from demo.naming import vendor_name  # noqa: E402

TABLE_CHECKS = ("rows_unmatched", "records_not_one_person_one_valid_row", "junk_keys_of_real_records")


def _key_text(table: Table) -> str:
    """The primary key as the truth's ``record_key`` writes it: text joined by ``|``, null if a part is."""
    parts = [f"cast({quote_identifier(vendor_name(table.system, table.name, k))} as varchar)"
             for k in table.primary_key]
    return f" || {literal('|')} || ".join(parts)


def table_problems(con: duckdb.DuckDBPyConnection, base: Path, table: Table) -> dict[str, int]:
    """The truth rows of one vendor file against the file itself."""
    path = base / "landing" / table.system / f"{table.name}.parquet"
    con.execute(f"""
        create or replace temp table t as
        select row_number, record_key, person_id, kind from truth
        where system = {literal(table.system)} and "table" = {literal(table.name)}""")
    con.execute(f"""
        create or replace temp table f as
        select file_row_number as row_number, {_key_text(table)} as key
        from read_parquet({literal(str(path))}, file_row_number = true)""")
    counts = con.execute("""
        select
            (select count(*) from f full join t using (row_number)
             where f.row_number is null or t.row_number is null or f.key is distinct from t.record_key),
            (select count(*) from (select record_key from t where kind <> 'dirty' group by record_key
                                   having count(distinct person_id) > 1 or count(*) filter (kind = 'valid') <> 1)),
            (select count(*) from t where kind = 'dirty' and record_key in
                (select record_key from t where kind <> 'dirty'))
    """).fetchone()
    return dict(zip(TABLE_CHECKS, counts, strict=True))


def persons_problems(con: duckdb.DuckDBPyConnection, base: Path) -> dict[str, int]:
    """The persons truth: numbered 1..N, no inbox or (outside the UK) phone shared between households."""
    persons = literal(str(base / "truth" / "persons.parquet"))
    counts = con.execute(f"""
        with p as (select * from read_parquet({persons}))
        select
            (select count(*) - count(distinct person_id) + (max(person_id) <> count(*))::int
                    + (min(person_id) <> 1)::int from p),
            (select count(*) from (select email from p group by email having count(distinct household_id) > 1)),
            (select count(*) from (select phone_e164 from p where phone_e164 not like '+44%'
                                   group by phone_e164 having count(distinct household_id) > 1))
    """).fetchone()
    return dict(zip(("persons_misnumbered", "inboxes_of_two_households", "phones_of_two_households"), counts,
                    strict=True))


def check(base: Path) -> dict[str, int]:
    """Every count, summed over the tables (DuckDB may use up to 6 GB, spilling to ``base``)."""
    con = duckdb.connect()
    con.execute("set memory_limit = '6GB'")  # joins of the event tables' keys; spills beyond it
    con.execute("set preserve_insertion_order = false")
    con.execute(f"set temp_directory = {literal(str(base / '.duckdb_spill'))}")
    rows = literal(str(base / "truth" / "rows.parquet"))
    con.execute(f"create temp view truth as select * from read_parquet({rows})")  # read per table, not held
    totals = dict.fromkeys(TABLE_CHECKS, 0)
    for table in all_tables():
        for name, count in table_problems(con, base, table).items():
            totals[name] += count
            if count:
                print(f"{table.qualified_name}: {name} = {count:,}", file=sys.stderr)
    totals["truth_rows"] = con.execute("select count(*) from truth").fetchone()[0]
    return {**totals, **persons_problems(con, base)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base", type=Path, help="the directory holding landing/ and truth/")
    figures = check(parser.parse_args().base)
    for name, value in figures.items():
        print(f"{name:<40}{value:>14,}")
    print(json.dumps(figures))
    problems = {k: v for k, v in figures.items() if k != "truth_rows"}
    sys.exit(1 if any(problems.values()) else 0)


if __name__ == "__main__":
    main()
