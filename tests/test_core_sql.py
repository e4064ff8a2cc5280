"""core.sql: the one quoting helper every module uses to put names and values into SQL."""

import duckdb

from core.sql import literal, literal_list, quote_identifier, quote_relation

SCHEMA, TABLE, COLUMN, VALUE = "my schema", 'o"brien', 'a "b"', "O'Brien"


def test_quoted_names_and_values_survive_quotes_inside():
    con = duckdb.connect()
    relation = quote_relation(f"{SCHEMA}.{TABLE}")
    column = quote_identifier(COLUMN)
    con.execute(f"create schema {quote_identifier(SCHEMA)}")
    con.execute(f"create table {relation} ({column} varchar)")
    con.execute(f"insert into {relation} values ({literal(VALUE)})")
    rows = con.execute(f"select {column} from {relation} where {column} in {literal_list([VALUE, 'x'])}").fetchall()
    assert rows == [(VALUE,)]
    assert con.execute(f"select 1 where 'x' in {literal_list([])}").fetchall() == []
