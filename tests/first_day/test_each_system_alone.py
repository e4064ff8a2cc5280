"""Each system alone, by its export files, from an empty CDW_HOME: the run publishes and says what is empty."""

from __future__ import annotations

import duckdb
import pytest

from tests.first_day.helpers import assert_published_with_every_raw_table, first_run

pytestmark = pytest.mark.e2e

CASES = {
    "shopify_orders_export_only": (["shopify_orders"], "raw_shopify.orders", "no data from amazon, klaviyo, zendesk"),
    "amazon_alone": (["amazon_all_orders"], "raw_amazon.orders", "no data from klaviyo, shopify, zendesk"),
    "klaviyo_alone": (["klaviyo_profiles"], "raw_klaviyo.profiles", "no data from amazon, shopify, zendesk"),
    "zendesk_alone": (["zendesk_tickets"], "raw_zendesk.tickets", "no data from amazon, klaviyo, shopify"),
    # Requesters named by tickets with no users export: each is a customer of its own, none blocks.
    "zendesk_tickets_without_users": (["zendesk_tickets_without_users"], "raw_zendesk.tickets",
                                      "no data from amazon, klaviyo, shopify"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_one_system_publishes_and_names_the_empty_marts(case, tmp_path):
    exports, landed, reason = CASES[case]
    run = first_run(tmp_path / "home", exports)
    assert_published_with_every_raw_table(run)
    assert run.build_rows(landed) > 0
    assert "empty:" in run.output and reason in run.output, run.output[-3000:]
    with duckdb.connect(str(run.build_db), read_only=True) as con:
        unmapped = con.execute(
            "select count(*) from (select distinct actor_source_system, actor_entity, actor_key from marts.fct_events) "
            "as a left join marts.customer_source_map as m on m.source_system = a.actor_source_system "
            "and m.source_entity = a.actor_entity and m.source_key = a.actor_key where m.customer_id is null"
        ).fetchall()[0][0]
    assert unmapped == 0, "every actor an event names is a customer"


def test_a_ticket_an_agent_requested_is_no_customer_event_and_blocks_nothing(tmp_path):
    """An internal ticket (requester: an agent of the users export) lands, but names no customer."""
    run = first_run(tmp_path / "home", ["zendesk_internal_ticket"])
    assert_published_with_every_raw_table(run)
    with duckdb.connect(str(run.build_db), read_only=True) as con:
        assert con.execute("select requester_id, count(*) from staging.stg_zendesk__tickets group by 1 order by 1"
                           ).fetchall() == [(28734522231, 1), (360099887766, 1)]
        events = con.execute("select actor_key, m.customer_id is not null from marts.fct_events as e "
                             "left join marts.customer_source_map as m on m.source_system = e.actor_source_system "
                             "and m.source_entity = e.actor_entity and m.source_key = e.actor_key "
                             "where e.source_system = 'zendesk'").fetchall()
    assert events == [("28734522231", True)]  # the customer's ticket only, mapped to its customer
