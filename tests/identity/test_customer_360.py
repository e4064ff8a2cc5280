"""dim_customers: one row per customer, facts reach it through the map, consent matches the truth."""

from __future__ import annotations

import duckdb

from tests.identity.conftest import IdentityDemo


def test_one_row_per_customer_and_every_order_counted(identity_demo: IdentityDemo) -> None:
    demo = identity_demo
    rows, customers = demo.query("select count(*), count(distinct customer_id) from marts.dim_customers")[0]
    assert rows == customers == demo.query("select count(distinct customer_id) from marts.customer_source_map")[0][0]
    counted = demo.query("select sum(orders_count) from marts.dim_customers")[0][0]
    orders = demo.query("select count(*) from marts.fct_orders where not is_cancelled")[0][0]
    assert counted == orders


def test_trap_customers_in_the_360(identity_demo: IdentityDemo) -> None:
    demo = identity_demo
    business = demo.customer_of("zendesk", "user", "990000201")
    row = demo.query("select profile_type, is_business, tickets_count, zendesk_user_ids, amazon_buyer_ids "
                     "from marts.dim_customers where customer_id = ?", [business])[0]
    assert row == ("business", True, 1, "990000201", "acme7buyer9x2k4@marketplace.amazon.com")
    chris = demo.customer_of("shopify", "customer", "990000401")
    first_name, email, ids = demo.query("select first_name, best_email, shopify_customer_ids "
                                        "from marts.dim_customers where customer_id = ?", [chris])[0]
    assert first_name == "Chris" and ids == "990000401, 990000402"
    assert email in {"chris.park@gmail.com", "chrispark+deals@gmail.com"}
    dana = demo.customer_of("zendesk", "user", "990000501")
    assert demo.query("select best_phone, orders_count, marketplaces_used from marts.dim_customers "
                      "where customer_id = ?", [dana]) == [("+16465550177", 2, None)]


def test_email_consent_matches_the_truth(identity_demo: IdentityDemo) -> None:
    """For customers whose accounts and profiles belong to one true person, the latest e-mail
    consent agrees with the generator's truth."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{identity_demo.database}' as warehouse (read_only)")
        rows = con.execute(f"""
            with truth_rows as (select * from read_parquet('{identity_demo.truth / "rows.parquet"}')),
            persons as (select * from read_parquet('{identity_demo.truth / "persons.parquet"}')),
            owners as (
                select map.customer_id, truth_rows.person_id
                from warehouse.marts.customer_source_map as map
                inner join truth_rows
                    on truth_rows.system = map.source_system and truth_rows.record_key = map.source_key
                    and ((map.source_entity = 'profile' and truth_rows."table" = 'profiles')
                         or (map.source_entity = 'customer' and truth_rows."table" = 'customers'))
                where truth_rows.person_id is not null
                group by all
            ),
            single as (
                select customer_id, min(person_id) as person_id from owners
                group by customer_id having count(distinct person_id) = 1
            )
            select
                count(*),
                sum(case when replace(persons.email_consent, 'never_subscribed', 'not_subscribed')
                    = dim.email_consent_state then 1 else 0 end)
            from single
            inner join warehouse.marts.dim_customers as dim using (customer_id)
            inner join persons using (person_id)
        """).fetchone()
    finally:
        con.close()
    compared, agreeing = rows
    assert compared > 500
    assert agreeing / compared >= 0.97, rows
