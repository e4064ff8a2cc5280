"""The serving copy describes itself to any DuckDB client: comments from the dbt docs, no HUGEINT."""

from __future__ import annotations

import duckdb

from core.settings import Paths


def _plain(paths: Paths) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(paths.serving_db), read_only=True)  # what DBeaver or the duckdb CLI would do


def test_every_table_has_a_comment_with_its_owner_and_build_relation(analyst_paths: Paths):
    con = _plain(analyst_paths)
    missing = con.execute("select schema_name || '.' || table_name from duckdb_tables() "
                          "where coalesce(comment, '') = ''").fetchall()
    assert missing == []
    (orders,) = con.execute("select comment from duckdb_tables() where schema_name = 'analytics' "
                            "and table_name = 'fct_orders'").fetchone()
    assert "Owner: Orders owner (team:orders)" in orders and "marts.fct_orders" in orders
    (clv,) = con.execute("select comment from duckdb_tables() where schema_name = 'analytics' "
                         "and table_name = 'customer_clv'").fetchone()
    assert clv.startswith("Latest CLV scores")


def test_mart_columns_carry_their_dbt_descriptions(analyst_paths: Paths):
    con = _plain(analyst_paths)
    comments = dict(con.execute("select column_name, comment from duckdb_columns() where schema_name = 'analytics' "
                                "and table_name = 'customer_value'").fetchall())
    assert all(comments.values()), [c for c, text in comments.items() if not text]
    # the lifecycle vocabulary and its roll-up are written where analysts read them
    assert "churned -> lapsed" in comments["customer_status"]
    (predicted,) = con.execute("select comment from duckdb_columns() where table_name = 'customer_clv' "
                               "and column_name = 'predicted_clv'").fetchone()
    assert "discounted" in predicted
    # every column of every dbt mart (clv_model_runs is the CLV step's log, described as a table only)
    undocumented = con.execute(
        "select distinct c.table_name from duckdb_columns() c join duckdb_tables() t using (schema_name, table_name) "
        "where c.schema_name = 'analytics' and t.comment like '%Built as marts.%' and c.comment is null"
    ).fetchall()
    assert undocumented == [("clv_model_runs",)]


def test_counts_are_bigint_never_hugeint(analyst_paths: Paths):
    con = _plain(analyst_paths)
    assert con.execute("select count(*) from duckdb_columns() where data_type = 'HUGEINT'").fetchone() == (0,)
    types = dict(con.execute("select column_name, data_type from duckdb_columns() where schema_name = 'analytics' "
                             "and table_name = 'kpi_daily'").fetchall())
    assert types["new_customers"] == "BIGINT" and types["units_sold"] == "BIGINT"
