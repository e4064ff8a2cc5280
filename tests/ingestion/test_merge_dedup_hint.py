"""Landing loads tell dlt their rows are already one per key; API loads into the same tables do not.

Both write through the ``cdw_<system>`` pipeline, so they share one dlt schema: a hint one kind of
load stores on a table would otherwise hold for the next load of the other kind.
"""

from __future__ import annotations

from pathlib import Path

import dlt
import duckdb

from ingestion.load import STAGE_DEDUPLICATED, make_pipeline, run_pipeline

MERGE = {"disposition": "merge", "strategy": "delete-insert"}


def _source(rows: list[dict]) -> dlt.sources.DltSource:
    @dlt.source(name="shopify")
    def shopify():
        return dlt.resource(rows, name="customers", write_disposition=MERGE, primary_key="id")

    return shopify()


def test_an_api_page_repeating_a_key_still_merges_to_one_row_after_a_landing_load(tmp_path: Path) -> None:
    warehouse = tmp_path / "build.duckdb"

    def pipeline() -> dlt.Pipeline:
        return make_pipeline("shopify", "raw_shopify", warehouse, tmp_path / "dlt")

    landed = run_pipeline(pipeline, _source([{"id": 1, "name": "Ann"}, {"id": 2, "name": "Bob"}]),
                          deduplicated=True)
    assert landed.pipeline.default_schema.tables["customers"][STAGE_DEDUPLICATED] is True

    # an API page that repeats a key (the record changed while the pages were read)
    api = run_pipeline(pipeline, _source([{"id": 1, "name": "Ann v2"}, {"id": 1, "name": "Ann v3"}]))
    assert api.pipeline.default_schema.tables["customers"][STAGE_DEDUPLICATED] is False
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("select id, count(*) from raw_shopify.customers group by id order by id").fetchall()
    assert rows == [(1, 1), (2, 1)]
