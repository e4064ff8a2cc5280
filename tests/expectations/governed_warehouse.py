"""A tiny build warehouse that meets every governed rule, and the breaks that violate one rule each.

It has the relations the dictionary, identity, value and audience suites read (and no raw landing
tables: tests pick the suites they need). ``BREAKS`` maps a rule family to SQL that breaks it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

SUITES = ["dictionary", "identity", "value", "audience", "privacy"]

SYNCS_YML = """
syncs:
  - name: vip_to_klaviyo
    audience: marts.aud_vip
    destination: klaviyo_main
    mode: mirror
    consent: email
    fields:
      first_name: first_name
      properties.ltv: ltv
  - name: lapsed_to_meta
    audience: marts.aud_lapsed_ads
    destination: meta_ads
    mode: mirror
    consent: ads
"""

DESTINATIONS_YML = """
destinations:
  klaviyo_main:
    type: klaviyo
    api_key: ${TEST_KLAVIYO_KEY}
    list_id: L1
  meta_ads:
    type: meta
    access_token: ${TEST_META_TOKEN}
    audience_id: "1"
"""

SETUP = """
create schema staging; create schema intermediate; create schema marts; create schema seeds;

create table staging.stg_shop__customers as
select * from (values (1, 'ann@example.com', '+14155550101'), (2, 'bob@example.com', null),
                      (3, 'cy@example.com', '+14155550103')) as t(customer_id, email, phone);

create table seeds.identity_limits as
select * from (values ('email', 5), ('phone', 1)) as t(identifier_type, max_per_profile);

create table intermediate.int_identity_records as
select * from (values
    ('n1', 'shopify:customer:1', 'shopify', 'customer', '1', false, true),
    ('n2', 'shopify:order:11', 'shopify', 'order', '11', false, false),
    ('n3', 'shopify:customer:2', 'shopify', 'customer', '2', false, true),
    ('n4', 'shopify:customer:3', 'shopify', 'customer', '3', false, true),
    ('n5', 'amazon:order:A-1', 'amazon', 'order', 'A-1', true, false)
) as t(record_node_id, record_id, source_system, source_entity, source_key, is_business_record, is_person_record);

create table marts.customer_source_map as
select source_system, source_entity, source_key,
       case when source_key in ('1', '11') then 'cus_a' when source_key = '2' then 'cus_b'
            when source_key = '3' then 'cus_c' else 'cus_d' end as customer_id,
       record_id, false as is_business_profile, is_business_record
from intermediate.int_identity_records;

create table intermediate.int_identifiers as
select * from (values
    ('n1', 'email', 'ann@example.com', 'ann@example.com'),
    ('n1', 'phone', '+14155550101', '+14155550101'),
    ('n2', 'phone', '+14155550101', '+14155550101'),
    ('n3', 'email', 'bob@example.com', 'bob@example.com'),
    ('n4', 'email', 'cy@example.com', 'cy@example.com')
) as t(record_node_id, identifier_type, identifier_value, raw_value);

create table intermediate.int_identity_profile_limits as
select * from (values ('n1', 'email', 1, 5, false), ('n1', 'phone', 1, 1, false))
    as t(component_node_id, identifier_type, distinct_values, max_per_profile, is_over_limit);

create table seeds.identity_rules as
select * from (values ('email', true), ('phone', true), ('shopify_customer_id', false))
    as t(identifier_type, is_business_scoped);

create table marts.identity_links as
select * from (values
    ('l1', 'shopify:customer:1', 'shopify:order:11', 'phone', true),
    ('l2', 'shopify:customer:2', 'amazon:order:A-1', 'shopify_customer_id', true)
) as t(link_id, record_id_a, record_id_b, identifier_type, is_active);

create table marts.dim_customers as
select * from (values
    ('cus_a', 'active', 'ann@example.com', '+14155550101', 'Ann', 'Lee', true, false, true, false),
    ('cus_b', 'lapsed', 'bob@example.com', null, 'Bob', 'Ray', false, false, true, false),
    ('cus_c', 'prospect', 'cy@example.com', '+14155550103', 'Cy', 'Ng', true, true, false, false),
    ('cus_d', 'active', null, null, null, null, null, null, null, false)
) as t(customer_id, customer_status, email, phone, first_name, last_name, consent_email, consent_sms, consent_ads,
       is_suppressed);

create table marts.fct_orders (
    order_key varchar, actor_source_system varchar, actor_entity varchar, actor_key varchar,
    channel_source varchar, marketplace varchar, email varchar, net_revenue decimal(18, 2),
    gross_revenue decimal(18, 2), discount_amount decimal(18, 2), shipping_amount decimal(18, 2),
    tax_amount decimal(18, 2), item_refund_amount decimal(18, 2), shipping_refund_amount decimal(18, 2),
    tax_refund_amount decimal(18, 2), other_refund_amount decimal(18, 2), refund_amount decimal(18, 2),
    net_total decimal(18, 2), is_cancelled boolean
);
insert into marts.fct_orders values
    ('shopify:11', 'shopify', 'order', '11', 'DTC', null, 'ann@example.com', 40.0,
     40.0, 0.0, 5.0, 3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 48.0, false),
    ('amazon:A-1', 'amazon', 'order', 'A-1', 'Amazon', 'Amazon.com', null, 25.0,
     30.0, 0.0, 0.0, 2.0, 5.0, 0.0, 0.0, 0.0, 5.0, 27.0, false);

create table marts.customer_rfm as
select * from (values ('cus_a', 5, 4, 5, 'Champions'), ('cus_d', 2, 1, 1, 'Hibernating'))
    as t(customer_id, r_score, f_score, m_score, rfm_segment);

create table marts.customer_ltv as
select * from (values ('cus_a', 40.0), ('cus_d', 25.0)) as t(customer_id, net_revenue);

create table marts.customer_clv as
select * from (values ('cus_a', 12.5), ('cus_d', 0.0)) as t(customer_id, predicted_clv);

create table marts.cohort_retention as
select * from (values (date '2025-01-01', 0, 1.0), (date '2025-01-01', 1, 0.5), (date '2025-02-01', 0, 1.0))
    as t(cohort_month, months_since_first_order, retention_rate);

create table marts.aud_vip as
select customer_id, email, phone, first_name, consent_email, consent_sms, consent_ads, is_suppressed,
       40.0 as ltv, 'Champions' as rfm_segment
from marts.dim_customers where customer_id = 'cus_a';

create table marts.aud_lapsed_ads as
select customer_id, email, phone, consent_email, consent_sms, consent_ads, is_suppressed, 'lapsed' as segment
from marts.dim_customers where customer_id in ('cus_a', 'cus_b');
"""

# rule family -> SQL that breaks exactly that rule
BREAKS: dict[str, str] = {
    "dictionary.allowed_values": "update marts.dim_customers set customer_status = 'vip' where customer_id = 'cus_b'",
    "dictionary.format": "update staging.stg_shop__customers set email = 'not-an-email' where customer_id = 2",
    "identity.one_row_per_customer": "insert into marts.dim_customers select * from marts.dim_customers "
                                     "where customer_id = 'cus_a'",
    "identity.source_record_mapped_once": "insert into marts.customer_source_map select source_system, "
                                          "source_entity, source_key, 'cus_b', record_id, is_business_profile, "
                                          "is_business_record from marts.customer_source_map where source_key = '1'",
    "identity.identifier_limits": "update intermediate.int_identity_profile_limits set distinct_values = 2, "
                                  "is_over_limit = true where identifier_type = 'phone'",
    "identity.component_size_bound": "insert into marts.customer_source_map select 'shopify', 'device', 'd' || i, "
                                     "'cus_c', 'shopify:device:d' || i, false, false from range(70) as t(i)",
    "identity.no_personal_business_mixing": "insert into marts.identity_links values "
                                            "('l3', 'shopify:customer:1', 'amazon:order:A-1', 'email', true)",
    "identity.fact_actor_mapped": "insert into marts.fct_orders values ('shopify:99', 'shopify', 'order', '99', "
                                  "'DTC', null, null, 1.0, 1.0, 0, 0, 0, 0, 0, 0, 0, 0, 1.0, false)",
    "value.rfm_score_range": "update marts.customer_rfm set r_score = 6 where customer_id = 'cus_a'",
    "value.one_rfm_segment_per_customer": "update marts.customer_rfm set rfm_segment = null "
                                          "where customer_id = 'cus_d'",
    "value.ltv_non_negative": "update marts.customer_ltv set net_revenue = -5 where customer_id = 'cus_d'",
    "value.clv_non_negative": "update marts.customer_clv set predicted_clv = -1 where customer_id = 'cus_d'",
    "value.money_adds_up": "update marts.fct_orders set refund_amount = refund_amount + 1 "
                           "where order_key = 'amazon:A-1'",
    "value.money_refund_within_charge": "update marts.fct_orders set tax_refund_amount = 4, refund_amount = 4, "
                                        "net_total = 44 where order_key = 'shopify:11'",
    # real: a return refunded with its tax (32.00 back on 30.00 of items) is counted, never blocked
    "value.money_refund_exceeds_item_revenue": "update marts.fct_orders set item_refund_amount = 30, "
                                               "tax_refund_amount = 2, refund_amount = 32, net_revenue = 0, "
                                               "net_total = 0 where order_key = 'amazon:A-1'",
    "value.cohort_month0_retention": "update marts.cohort_retention set retention_rate = 0.8 "
                                     "where months_since_first_order = 0 and cohort_month = date '2025-02-01'",
    "audience.consent": "insert into marts.aud_vip select customer_id, email, phone, first_name, consent_email, "
                        "consent_sms, consent_ads, is_suppressed, 1.0, 'Loyal Customers' from marts.dim_customers "
                        "where customer_id = 'cus_b'",
    "audience.not_suppressed": "update marts.aud_lapsed_ads set is_suppressed = true where customer_id = 'cus_b'",
    "audience.columns_within_mapping": "alter table marts.aud_lapsed_ads add column last_name varchar",
}


def write_activation_config(folder: Path) -> dict[str, str]:
    """Write the test syncs/destinations files; returns the environment pointing at them."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "syncs.yml").write_text(SYNCS_YML)
    (folder / "destinations.yml").write_text(DESTINATIONS_YML)
    return {"CDW_ACTIVATION_SYNCS": str(folder / "syncs.yml"),
            "CDW_ACTIVATION_DESTINATIONS": str(folder / "destinations.yml")}


def build(path: Path) -> Path:
    """Create the governed warehouse at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        for statement in SETUP.split(";\n"):
            if statement.strip():
                con.execute(statement)
    finally:
        con.close()
    return path


def apply(path: Path, sql: str) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute(sql)
    finally:
        con.close()
