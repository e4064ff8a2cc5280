"""Landing loads tell dlt their rows are already one per key; API loads into the same tables do not.

Both write through the ``cdw_<system>`` pipeline, so they share one dlt schema: a hint one kind of
load stores on a table would otherwise hold for the next load of the other kind.
"""

from __future__ import annotations

import logging
from pathlib import Path

import dlt
import duckdb

from ingestion.load import STAGE_DEDUPLICATED, keep_dlt_quiet, make_pipeline, run_pipeline

MERGE = {"disposition": "merge", "strategy": "delete-insert"}


def _source(rows: list[dict]) -> dlt.sources.DltSource:
    @dlt.source(name="shopify")
    def shopify():
        return dlt.resource(rows, name="customers", write_disposition=MERGE, primary_key="id",
                            columns={"updated_at": {"data_type": "bigint", "dedup_sort": "desc"}})

    return shopify()


def test_an_api_page_repeating_a_key_still_merges_to_one_row_after_a_landing_load(tmp_path: Path) -> None:
    warehouse = tmp_path / "build.duckdb"
    keep_dlt_quiet()
    warnings = _Collected()
    logging.getLogger("dlt").addHandler(warnings)

    def pipeline() -> dlt.Pipeline:
        return make_pipeline("shopify", "raw_shopify", warehouse, tmp_path / "dlt")

    try:
        landed = run_pipeline(pipeline, _source([{"id": 1, "name": "Ann", "updated_at": 1},
                                                 {"id": 2, "name": "Bob", "updated_at": 1}]), deduplicated=True,
                              warehouse=warehouse)  # the table is empty: appended
    finally:
        logging.getLogger("dlt").removeHandler(warnings)
    assert landed.pipeline.default_schema.tables["customers"][STAGE_DEDUPLICATED] is True
    assert landed.pipeline.default_schema.tables["customers"]["write_disposition"] == "append"
    assert not [m for m in warnings.messages if "dedup_sort" in m], "the API's hint is not the user's problem"

    # an API page that repeats a key (the record changed while the pages were read)
    api = run_pipeline(pipeline, _source([{"id": 1, "name": "Ann v2", "updated_at": 2},
                                            {"id": 1, "name": "Ann v3", "updated_at": 3}]))
    assert api.pipeline.default_schema.tables["customers"][STAGE_DEDUPLICATED] is False
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("select id, count(*) from raw_shopify.customers group by id order by id").fetchall()
    assert rows == [(1, 1), (2, 1)]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select name from raw_shopify.customers where id = 1").fetchall() == [("Ann v3",)]


class _Collected(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
