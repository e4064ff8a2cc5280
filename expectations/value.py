"""The value suite: RFM, LTV, CLV and cohort marts make sense.

* RFM scores (``r_score``, ``f_score``, ``m_score``) are integers 1-5, all three or none (marts that
  list unscored prospects beside the buyers leave them null);
* exactly one RFM segment per scored customer (one row, segment not null);
* CLV and LTV are never negative;
* cohort retention at month 0 is 1 (everyone in a cohort bought in its first month).

Targets are found by their columns in the ``marts`` schema (any mart with ``r_score``, ``f_score``
and ``m_score`` is an RFM mart), so new value marts are covered as they appear; the default
relations below are reported as "not built yet" until a mart with those columns exists.
"""

from __future__ import annotations

import fnmatch

import great_expectations as gx

from core.dictionary import Dictionary, load_dictionary
from expectations.catalog import Catalog
from expectations.rules import Rule, governed_rule

SUITE = "value"
RFM_SCORES = ("r_score", "f_score", "m_score")
DEFAULT_RFM = "marts.customer_rfm"
DEFAULT_LTV = ("marts.customer_ltv", "net_revenue")  # LTV to date: net revenue per customer
DEFAULT_CLV = ("marts.customer_clv", "clv_horizon")  # predicted CLV (clv package)
DEFAULT_COHORTS = "marts.cohort_retention"
COHORT_OFFSET, COHORT_RETENTION = "months_since_first_order", "retention_rate"
COHORT_KEYS = ("cohort_month", "cohort_dimension")
LTV_PATTERNS = ("ltv", "*_ltv", "*lifetime_value*")
CLV_PATTERNS = ("clv", "*_clv", "clv_*", "predicted_clv*", "expected_order_value", "expected_purchases*")
NOT_AMOUNTS = ("*decile*", "*rank*", "*percentile*", "*quintile*", "*_pct")
TOLERANCE = 1e-9


def _numeric_columns(catalog: Catalog, patterns: tuple[str, ...]) -> list[tuple[str, str]]:
    found = []
    for relation, columns in catalog.relations.items():
        if not relation.startswith("marts."):
            continue
        for column in columns:
            if (any(fnmatch.fnmatchcase(column, p) for p in patterns)
                    and not any(fnmatch.fnmatchcase(column, p) for p in NOT_AMOUNTS)
                    and catalog.is_numeric(relation, column)):
                found.append((relation, column))
    return found


def value_rules(catalog: Catalog | None = None, dictionary: Dictionary | None = None) -> list[Rule]:
    dictionary = dictionary or load_dictionary()
    catalog = catalog or Catalog()

    def rule(family: str, relation: str, expectation: gx.expectations.Expectation, columns: tuple[str, ...],
             description: str, **options) -> Rule:
        return governed_rule(SUITE, relation, expectation, family=family, severity=dictionary.severity(family),
                             columns=columns, description=description, **options)

    rules: list[Rule] = []
    for relation in catalog.with_columns("marts", *RFM_SCORES) or [DEFAULT_RFM]:
        for score in RFM_SCORES:
            rules.append(rule("value.rfm_score_range", relation,
                              gx.expectations.ExpectColumnValuesToBeInSet(column=score, value_set=[1, 2, 3, 4, 5]),
                              (score,), f"{score} is an integer from 1 to 5"))
        rules.append(rule("value.rfm_score_range", relation,
                          gx.expectations.ExpectColumnValuesToBeInSet(column="scores", value_set=[0, 3]),
                          ("scores",), "a customer has all three RFM scores or none",
                          query="select customer_id, " + " + ".join(f"({s} is not null)::int" for s in RFM_SCORES)
                                + f" as scores from {relation}",
                          example_columns=("customer_id",)))
        rules.append(rule("value.one_rfm_segment_per_customer", relation,
                          gx.expectations.ExpectColumnValuesToBeBetween(column="segments", min_value=1, max_value=1),
                          ("segments",), "exactly one RFM segment per scored customer",
                          query=f"select customer_id, count(rfm_segment) as segments from {relation} "
                                f"group by customer_id having count(r_score) > 0",
                          example_columns=("customer_id",)))
    amounts = [("value.ltv_non_negative", c, "LTV") for c in
               dict.fromkeys([DEFAULT_LTV, *_numeric_columns(catalog, LTV_PATTERNS)])]
    amounts += [("value.clv_non_negative", c, "CLV") for c in
                dict.fromkeys([DEFAULT_CLV, *_numeric_columns(catalog, CLV_PATTERNS)])]
    for family, (relation, column), label in amounts:
        keys = ("customer_id",) if catalog.has(relation, "customer_id") else ()
        rules.append(rule(family, relation, gx.expectations.ExpectColumnValuesToBeBetween(column=column, min_value=0),
                          (column,), f"{label} ({column}) is never negative", example_columns=keys))
    for relation in catalog.with_columns("marts", COHORT_OFFSET, COHORT_RETENTION) or [DEFAULT_COHORTS]:
        keys = tuple(k for k in COHORT_KEYS if catalog.has(relation, k)) or ("cohort_month",)
        rules.append(rule("value.cohort_month0_retention", relation,
                          gx.expectations.ExpectColumnValuesToBeBetween(column=COHORT_RETENTION,
                                                                        min_value=1 - TOLERANCE,
                                                                        max_value=1 + TOLERANCE),
                          (COHORT_RETENTION,), "cohort retention at month 0 is 1",
                          query=f"select {', '.join(keys)}, {COHORT_RETENTION} from {relation} "
                                f"where {COHORT_OFFSET} = 0",
                          example_columns=keys))
    return rules
