"""The identity suite: the identity graph keeps its promises (docs/mart_interfaces.md).

* one row per ``customer_id`` in ``marts.dim_customers``;
* every source record mapped exactly once: each key of ``marts.customer_source_map`` once, every
  record the graph resolved in the map, and every actor a fact names in the map;
* no profile beyond its identifier limits (``seeds.identity_limits``), counted as resolution counts
  them (``intermediate.int_identity_profile_limits``: blocklisted and junk values never count,
  names of one person count once), so the check flags only what resolution treats as a violation;
* no profile larger than the component bound (dbt var ``identity_component_bound``);
* the one business/personal rule (``seeds.identity_rules.is_business_scoped``): no held link
  through a business-scoped identifier (e-mail, phone) joins a business and a personal record.

DuckDB does the grouping and joining; GX judges every grouped row (``rows_per_key`` between 1
and 1, ``distinct_values`` at most ``max_per_profile``...), chunk by chunk. Limits and bounds are
read from where their owner keeps them, never restated here.
"""

from __future__ import annotations

from functools import cache

import great_expectations as gx
import yaml

from core.dictionary import Dictionary, load_dictionary
from core.settings import DBT_PROJECT_DIR
from expectations.catalog import Catalog
from expectations.rules import Rule, governed_rule

SUITE = "identity"
CUSTOMERS = "marts.dim_customers"
SOURCE_MAP = "marts.customer_source_map"
RECORDS = "intermediate.int_identity_records"
PROFILE_LIMITS = "intermediate.int_identity_profile_limits"
LINKS = "marts.identity_links"
RULES = "seeds.identity_rules"
# Facts name their actor by (actor_source_system, actor_entity, actor_key) (docs/mart_interfaces.md).
FACTS = ("marts.fct_orders", "marts.fct_order_lines", "marts.fct_returns", "marts.fct_events")
ACTOR = ("actor_source_system", "actor_entity", "actor_key")
SOURCE_KEY = ("source_system", "source_entity", "source_key")
DEFAULT_COMPONENT_BOUND = 64


@cache
def component_bound() -> int:
    """The identity owner's bound on records per profile (dbt var ``identity_component_bound``)."""
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text()) or {}
    return int((project.get("vars") or {}).get("identity_component_bound", DEFAULT_COMPONENT_BOUND))


def _between(column: str, low: int | None, high: int | None) -> gx.expectations.Expectation:
    return gx.expectations.ExpectColumnValuesToBeBetween(column=column, min_value=low, max_value=high)


def identity_rules(catalog: Catalog | None = None, dictionary: Dictionary | None = None) -> list[Rule]:
    """The identity rules; relations that do not exist yet are reported as not built."""
    dictionary = dictionary or load_dictionary()
    catalog = catalog or Catalog()

    def rule(family: str, relation: str, expectation: gx.expectations.Expectation, columns: tuple[str, ...],
             description: str, **options) -> Rule:
        return governed_rule(SUITE, relation, expectation, family=family, severity=dictionary.severity(family),
                             columns=columns, description=description, **options)

    key_sql = ", ".join(SOURCE_KEY)
    rules = [
        rule("identity.one_row_per_customer", CUSTOMERS, _between("rows_per_customer", 1, 1),
             ("rows_per_customer",), "one row per customer_id in dim_customers",
             query=f"select customer_id, count(*) as rows_per_customer from {CUSTOMERS} group by customer_id",
             example_columns=("customer_id",)),
        rule("identity.one_row_per_customer", CUSTOMERS,
             gx.expectations.ExpectColumnValuesToNotBeNull(column="customer_id"), ("customer_id",),
             "every profile has a customer_id"),
        rule("identity.source_record_mapped_once", SOURCE_MAP, _between("customers_per_record", 1, 1),
             ("customers_per_record",), "each source record maps to exactly one customer",
             query=f"select {key_sql}, count(*) as customers_per_record from {SOURCE_MAP} group by all",
             example_columns=SOURCE_KEY),
        rule("identity.source_record_mapped_once", RECORDS, _between("mappings", 1, 1), ("mappings",),
             "every record the identity graph resolved is in customer_source_map exactly once",
             query=f"select r.record_id, count(m.record_id) as mappings from {RECORDS} as r "
                   f"left join {SOURCE_MAP} as m on m.record_id = r.record_id group by r.record_id",
             requires=(RECORDS, SOURCE_MAP), example_columns=("record_id",)),
        rule("identity.identifier_limits", PROFILE_LIMITS,
             gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(column_A="max_per_profile",
                                                                      column_B="distinct_values", or_equal=True),
             ("max_per_profile", "distinct_values"),
             "no profile holds more distinct identifiers of a type than seeds.identity_limits allows "
             "(junk values never count; names of one person count once)",
             query=f"""
                 select component_node_id, identifier_type, distinct_values, max_per_profile
                 from {PROFILE_LIMITS}""",
             example_columns=("component_node_id", "identifier_type")),
        rule("identity.component_size_bound", SOURCE_MAP, _between("records_per_profile", 1, component_bound()),
             ("records_per_profile",),
             f"no profile holds more than {component_bound()} records (dbt var identity_component_bound)",
             query=f"select customer_id, count(*) as records_per_profile from {SOURCE_MAP} group by customer_id",
             example_columns=("customer_id",)),
        rule("identity.no_personal_business_mixing", LINKS,
             gx.expectations.ExpectColumnValuesToBeInSet(column="mixes_personal_and_business", value_set=[False]),
             ("mixes_personal_and_business",),
             "no held link through a business-scoped identifier (seeds.identity_rules) joins a business "
             "record and a personal record",
             query=f"""
                 select l.link_id, ra.is_business_record != rb.is_business_record as mixes_personal_and_business
                 from {LINKS} as l
                 join {RULES} as rules on rules.identifier_type = l.identifier_type and rules.is_business_scoped
                 join {RECORDS} as ra on ra.record_id = l.record_id_a
                 join {RECORDS} as rb on rb.record_id = l.record_id_b
                 where l.is_active""",
             requires=(LINKS, RULES, RECORDS), example_columns=("link_id",)),
    ]
    actor_sql = ", ".join(ACTOR)
    for fact in FACTS:
        rules.append(rule(
            "identity.fact_actor_mapped", fact, _between("mappings", 1, 1), ("mappings",),
            f"every actor of {fact.split('.')[-1]} maps to exactly one customer in customer_source_map",
            query=f"""
                select a.{ACTOR[0]}, a.{ACTOR[1]}, a.{ACTOR[2]}, count(m.customer_id) as mappings
                from (select distinct {actor_sql} from {fact} where {ACTOR[2]} is not null) as a
                left join {SOURCE_MAP} as m
                  on m.source_system = a.{ACTOR[0]} and m.source_entity = a.{ACTOR[1]}
                 and m.source_key = cast(a.{ACTOR[2]} as varchar)
                group by all""",
            requires=(fact, SOURCE_MAP), example_columns=ACTOR))
    return rules
