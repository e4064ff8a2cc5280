"""The degradation suite: data that quietly got worse since the last publish is said out loud (warn).

A new export with half the rows, an API that stopped paging, a change that breaks identity: none of
these violates a rule about one row, yet the warehouse got worse. At every publish a few figures
are recorded in ``audit.published_metrics`` (:func:`record_published_metrics`); at the next check
these rules compare the current figures with them:

* ``degradation.landed_rows_drop``: a raw table's rows fall by more than
  ``degradation.max_landed_rows_drop`` (``config/warehouse.yml``) of what was last published;
* ``degradation.match_rate_drop``: the identity match rate (people seen in two or more systems)
  falls by more than ``degradation.max_match_rate_drop`` (absolute).

Failures read as plain sentences in the run summary and in Dagster (the rules are ``plain``).
Nothing is compared before the first publish.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import great_expectations as gx

from core.config import warehouse_settings
from core.contracts import load_contracts
from core.dictionary import Dictionary, load_dictionary
from expectations.catalog import Catalog
from expectations.rules import Rule, governed_rule

SUITE = "degradation"
METRICS = "audit.published_metrics"
MATCH_RATE = "marts.identity_match_rate"
MATCH_RATE_SQL = (f"select 'match_rate' as metric, 'all' as dimension, cast(max(match_rate) as double) as value "
                  f"from {MATCH_RATE} where metric = 'people_in_two_or_more_systems' and profile_type = 'all'")


def _raw_tables(catalog: Catalog) -> list[str]:
    return [t.qualified_name for c in load_contracts().values() for t in c.tables if catalog.exists(t.qualified_name)]


def _raw_rows_sql(catalog: Catalog) -> str | None:
    parts = [f"select 'raw_rows' as metric, '{table}' as dimension, cast(count(*) as double) as value from {table}"
             for table in _raw_tables(catalog)]
    return " union all ".join(parts) or None


def current_metrics_sql(catalog: Catalog) -> str | None:
    """The figures compared across publishes, as ``metric, dimension, value`` rows."""
    has_rate = catalog.has(MATCH_RATE, "metric", "profile_type", "match_rate")
    parts = [sql for sql in (_raw_rows_sql(catalog), MATCH_RATE_SQL if has_rate else None) if sql]
    return " union all ".join(f"({part})" for part in parts) or None


def record_published_metrics(con: duckdb.DuckDBPyConnection, run_id: str, published_at: datetime | str) -> int:
    """Store the current figures as those of the publish ``run_id``; returns how many were stored."""
    sql = current_metrics_sql(Catalog.load(con))
    con.execute("create schema if not exists audit")
    con.execute(f"create table if not exists {METRICS} (run_id varchar, published_at timestamptz, metric varchar, "
                "dimension varchar, value double)")
    if sql is None:
        return 0
    con.execute(f"delete from {METRICS} where run_id = ?", [run_id])
    con.execute(f"insert into {METRICS} select ?, ?::timestamptz, metric, dimension, value from ({sql})",
                [run_id, str(published_at)])
    return con.execute(f"select count(*) from {METRICS} where run_id = ?", [run_id]).fetchall()[0][0]


def _comparison(current: str, metric: str, dimension: str) -> str:
    """``now_value, last_value`` of one figure: now, and at the last publish (no row before it was recorded)."""
    return f"""
        select current_figures.value as now_value, last_publish.value as last_value
        from ({current}) as current_figures
        inner join {METRICS} as last_publish
            on last_publish.metric = '{metric}' and last_publish.dimension = '{dimension}'
            and last_publish.published_at = (select max(published_at) from {METRICS})
    """


def degradation_rules(catalog: Catalog | None = None, dictionary: Dictionary | None = None) -> list[Rule]:
    """Warn rules comparing today's figures with the last publish (none before the first publish)."""
    dictionary = dictionary or load_dictionary()
    catalog = catalog or Catalog()
    if not catalog.exists(METRICS):
        return []
    limits = warehouse_settings().degradation
    kept = 1 - limits.max_landed_rows_drop

    def rule(family: str, relation: str, expectation: gx.expectations.Expectation, column: str, description: str,
             query: str) -> Rule:
        return governed_rule(SUITE, relation, expectation, family=family, severity=dictionary.severity(family),
                             columns=(column,), description=description, query=query, plain=True,
                             example_columns=("detail",), requires=(relation, METRICS))

    rules = [
        rule("degradation.landed_rows_drop", table,
             gx.expectations.ExpectColumnValuesToBeBetween(column="kept_share", min_value=kept),
             "kept_share",
             f"{table} lost more than {limits.max_landed_rows_drop:.0%} of its rows since the last publish "
             "(a partial export, an API that stopped paging, the wrong account?)",
             f"select cast(cast(now_value as bigint) as varchar) || ' rows now, ' "
             f"|| cast(cast(last_value as bigint) as varchar) || ' at the last publish' as detail, "
             f"case when last_value > 0 then now_value / last_value else 1 end as kept_share from "
             f"({_comparison(f'select cast(count(*) as double) as value from {table}', 'raw_rows', table)})")
        for table in _raw_tables(catalog)
    ]
    if not catalog.exists(MATCH_RATE):
        return rules
    return [
        *rules,
        rule("degradation.match_rate_drop", MATCH_RATE,
             gx.expectations.ExpectColumnValuesToBeBetween(column="rate_drop", max_value=limits.max_match_rate_drop),
             "rate_drop",
             f"the identity match rate fell by more than {limits.max_match_rate_drop:.0%} (points) since the last "
             "publish (identifiers missing from an export, a blocklist or rule change?)",
             "select 'people in two or more systems: ' || cast(round(now_value * 100, 1) as varchar) "
             "|| '% now, ' || cast(round(last_value * 100, 1) as varchar) || '% at the last publish' as detail, "
             f"coalesce(last_value - now_value, 0) as rate_drop from "
             f"({_comparison(MATCH_RATE_SQL, 'match_rate', 'all')})"),
    ]
