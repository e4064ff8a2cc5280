"""Each system alone, by its export files, from an empty CDW_HOME: the run publishes and says what is empty."""

from __future__ import annotations

import pytest

from tests.first_day.helpers import assert_published_with_every_raw_table, first_run

pytestmark = pytest.mark.e2e

CASES = {
    "shopify_orders_export_only": (["shopify_orders"], "raw_shopify.orders", "no data from amazon, klaviyo, zendesk"),
    "amazon_alone": (["amazon_all_orders"], "raw_amazon.orders", "no data from klaviyo, shopify, zendesk"),
    "klaviyo_alone": (["klaviyo_profiles"], "raw_klaviyo.profiles", "no data from amazon, shopify, zendesk"),
    "zendesk_alone": (["zendesk_tickets"], "raw_zendesk.tickets", "no data from amazon, klaviyo, shopify"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_one_system_publishes_and_names_the_empty_marts(case, tmp_path):
    exports, landed, reason = CASES[case]
    run = first_run(tmp_path / "home", exports)
    assert_published_with_every_raw_table(run)
    assert run.build_rows(landed) > 0
    assert "empty:" in run.output and reason in run.output, run.output[-3000:]
