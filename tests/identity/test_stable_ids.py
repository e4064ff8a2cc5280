"""Customer ids survive reruns and full refreshes; merges and splits are recorded in the history."""

from __future__ import annotations

from benchmarks.identity_quality import run_dbt
from tests.identity.conftest import IdentityDemo, delete_raw_rows, insert_raw_rows

# The identity graph and its marts (not the customer 360, which also needs the fact marts).
RESOLVE = ["--select", "intermediate.identity", "marts.customers",
           "--exclude", "dim_customers", "int_customer_contacts", "int_customer_consent_latest",
           "int_customer_support_summarised"]

# Lee is known twice, unconnected (conftest.TRAP_ROWS): a newsletter profile with an e-mail and a
# help-desk user with a phone. Then Lee opens a store account with both: the profiles merge.
BRIDGE = {
    ("raw_shopify", "customers"): [
        {"id": 990000702, "email": "lee.stable@fastmail.com", "phone": "(415) 555-0199", "first_name": "Lee",
         "last_name": "Stable", "created_at": "2024-09-01T10:00:00Z", "updated_at": "2024-09-01T10:00:00Z"},
    ],
}


def customer_ids(demo: IdentityDemo) -> dict[str, str]:
    return dict(demo.query("select record_id, customer_id from marts.customer_source_map"))


def resolve(demo: IdentityDemo, *extra: str) -> None:
    run_dbt(["run", *RESOLVE, *extra], demo.database, demo.work_dir)


def test_ids_survive_rerun_and_full_refresh(demo_copy: IdentityDemo) -> None:
    before = customer_ids(demo_copy)
    resolve(demo_copy)
    assert customer_ids(demo_copy) == before
    resolve(demo_copy, "--full-refresh")
    assert customer_ids(demo_copy) == before
    assert demo_copy.query("select count(*) from marts.identity_merge_history") == [(0,)]


def test_merge_keeps_the_older_id_and_split_gives_a_new_one(demo_copy: IdentityDemo) -> None:
    demo = demo_copy
    ids = customer_ids(demo)
    newsletter, helpdesk = ids["klaviyo:profile:STABLELEE000000000000001"], ids["zendesk:user:990000701"]
    assert newsletter != helpdesk

    # Merge: the bridge links both; the older profile's id (first seen earlier) survives.
    insert_raw_rows(demo.database, BRIDGE, source="bridge")
    resolve(demo)
    merged = customer_ids(demo)
    assert merged["klaviyo:profile:STABLELEE000000000000001"] == newsletter
    assert merged["zendesk:user:990000701"] == newsletter
    assert merged["shopify:customer:990000702"] == newsletter
    unchanged = {r: c for r, c in ids.items() if c not in (newsletter, helpdesk)}
    assert {r: merged[r] for r in unchanged} == unchanged
    assert demo.query("select event_type, old_customer_id, new_customer_id, records_moved "
                      "from marts.identity_merge_history") == [("merge", helpdesk, newsletter, 1)]
    assert demo.query("select current_customer_id, id_status from marts.customer_id_aliases where customer_id = ?",
                      [helpdesk]) == [(newsletter, "merged")]

    # Split: the bridge is deleted at the source; the help-desk part leaves with a new id.
    delete_raw_rows(demo.database, "raw_shopify", "customers", "id", 990000702)
    resolve(demo)
    split = customer_ids(demo)
    assert split["klaviyo:profile:STABLELEE000000000000001"] == newsletter
    new_id = split["zendesk:user:990000701"]
    assert new_id not in (newsletter, helpdesk)
    assert "shopify:customer:990000702" not in split
    assert {r: split[r] for r in unchanged} == unchanged
    events = demo.query("select event_type, old_customer_id, new_customer_id, records_moved "
                        "from marts.identity_merge_history order by happened_at, event_type")
    assert events[-1] == ("split", newsletter, new_id, 1)
    assert demo.query("select is_active, last_change from intermediate.int_identity_id_registry "
                      "where record_id = 'shopify:customer:990000702'") == [(False, "removed")]
