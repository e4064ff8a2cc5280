"""The value suite: RFM, LTV, CLV and cohort marts make sense.

* RFM scores (``r_score``, ``f_score``, ``m_score``) are integers 1-5, all three or none (marts that
  list unscored prospects beside the buyers leave them null);
* exactly one RFM segment per scored customer (one row, segment not null);
* CLV and LTV are never negative;
* cohort retention at month 0 is 1 (everyone in a cohort bought in its first month);
* order money adds up and stays within what was charged (any mart with the money columns of
  ``governance/data_dictionary.yml``: fct_orders, customer_orders, the LTV marts):

  - ``value.money_adds_up`` (error): refund_amount = item + shipping + tax + other refunds;
    net_revenue = gross - discounts - item refunds and net_total = net_revenue + shipping + tax
    - shipping, tax and other refunds (both 0 for a cancelled order);
  - ``value.money_refund_within_charge`` (error): no amount is negative; item, shipping and tax
    refunds never exceed what was charged for them; so net_revenue >= 0 and
    net_total >= -other_refund_amount (only goodwill can make an order cost money);
  - ``value.money_refund_exceeds_item_revenue`` (warn): orders whose refunds exceed their item
    revenue (shipping, tax or goodwill refunded) are counted, never blocked: real refunds do this.

Targets are found by their columns in the ``marts`` schema (any mart with ``r_score``, ``f_score``
and ``m_score`` is an RFM mart), so new value marts are covered as they appear; the default
relations below are reported as "not built yet" until a mart with those columns exists.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable

import great_expectations as gx

from core.dictionary import Dictionary, load_dictionary
from expectations.catalog import Catalog
from expectations.rules import Rule, governed_rule

SUITE = "value"
RFM_SCORES = ("r_score", "f_score", "m_score")
DEFAULT_RFM = "marts.customer_rfm"
DEFAULT_LTV = ("marts.customer_ltv", "net_revenue")  # LTV to date: net revenue per customer
DEFAULT_CLV = ("marts.customer_clv", "predicted_clv")  # predicted CLV (clv package)
DEFAULT_COHORTS = "marts.cohort_retention"
COHORT_OFFSET, COHORT_RETENTION = "months_since_first_order", "retention_rate"
COHORT_KEYS = ("cohort_month", "cohort_dimension")
LTV_PATTERNS = ("ltv", "*_ltv", "*lifetime_value*")
CLV_PATTERNS = ("clv", "*_clv", "clv_*", "predicted_clv*", "expected_order_value", "expected_purchases*")
NOT_AMOUNTS = ("*decile*", "*rank*", "*percentile*", "*quintile*", "*_pct")
TOLERANCE = 1e-9
# Order money (the data dictionary's money fields): where all of them are, the money rules apply.
MONEY_COLUMNS = ("gross_revenue", "discount_amount", "shipping_amount", "tax_amount", "item_refund_amount",
                 "shipping_refund_amount", "tax_refund_amount", "other_refund_amount", "refund_amount",
                 "net_revenue", "net_total")
DEFAULT_MONEY = ("marts.fct_orders", "marts.customer_orders", "marts.customer_ltv")
MONEY_KEYS = ("order_key", "customer_id", "channel_source")
MONEY_TOLERANCE = 0.001  # amounts are decimals of cents: any difference is a real one


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
    rules += money_rules(catalog, rule)
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


def _money_sql(relation: str, catalog: Catalog) -> dict[str, str]:
    """SQL pieces of the money rules for one relation (amounts coalesced to 0)."""
    amount = {column: f"coalesce({column}, 0)" for column in MONEY_COLUMNS}
    cancelled = "coalesce(is_cancelled, false)" if catalog.has(relation, "is_cancelled") else "false"
    items_charged = f"({amount['gross_revenue']} - {amount['discount_amount']})"
    refunds = " + ".join(amount[c] for c in ("item_refund_amount", "shipping_refund_amount", "tax_refund_amount",
                                             "other_refund_amount"))
    net_revenue = f"case when {cancelled} then 0 else {items_charged} - {amount['item_refund_amount']} end"
    net_total = (f"case when {cancelled} then 0 else {amount['net_revenue']} + {amount['shipping_amount']} "
                 f"+ {amount['tax_amount']} - {amount['shipping_refund_amount']} - {amount['tax_refund_amount']} "
                 f"- {amount['other_refund_amount']} end")
    discrepancy = (f"greatest(abs({amount['refund_amount']} - ({refunds})), abs({amount['net_revenue']} - "
                   f"({net_revenue})), abs({amount['net_total']} - ({net_total})))")
    excess = ", ".join([
        *(f"-{amount[c]}" for c in MONEY_COLUMNS if c not in ("net_revenue", "net_total")),
        f"{amount['item_refund_amount']} - greatest({items_charged}, 0)",
        f"{amount['shipping_refund_amount']} - {amount['shipping_amount']}",
        f"{amount['tax_refund_amount']} - {amount['tax_amount']}",
        f"case when {cancelled} then 0 else -{amount['net_revenue']} end",
        f"case when {cancelled} then 0 else -({amount['net_total']} + {amount['other_refund_amount']}) end",
    ])
    beyond = f"case when {cancelled} then 0 else {amount['refund_amount']} - {items_charged} end"
    return {"discrepancy": discrepancy, "excess": f"greatest({excess})", "beyond": beyond}


def money_rules(catalog: Catalog, rule: Callable[..., Rule]) -> list[Rule]:
    """The money rules on every mart holding all of the money columns (see the module docstring)."""
    rules: list[Rule] = []
    for relation in catalog.with_columns("marts", *MONEY_COLUMNS) or list(DEFAULT_MONEY):
        keys = tuple(k for k in MONEY_KEYS if catalog.has(relation, k)) or ("order_key",)
        sql = _money_sql(relation, catalog)
        key_list = ", ".join(keys)
        rules.append(rule("value.money_adds_up", relation,
                          gx.expectations.ExpectColumnValuesToBeBetween(column="money_discrepancy", min_value=0,
                                                                        max_value=MONEY_TOLERANCE),
                          ("money_discrepancy",),
                          "money adds up: refunds = item + shipping + tax + other refunds; net revenue = gross "
                          "- discounts - item refunds; net total = net revenue + shipping + tax - shipping, tax "
                          "and other refunds (0 when cancelled)",
                          query=f"select {key_list}, {sql['discrepancy']} as money_discrepancy from {relation}",
                          example_columns=keys))
        rules.append(rule("value.money_refund_within_charge", relation,
                          gx.expectations.ExpectColumnValuesToBeBetween(column="money_excess",
                                                                        max_value=MONEY_TOLERANCE),
                          ("money_excess",),
                          "no amount is negative and item, shipping and tax refunds never exceed what was "
                          "charged for them: net revenue >= 0, net total >= -other (goodwill) refunds",
                          query=f"select {key_list}, {sql['excess']} as money_excess from {relation}",
                          example_columns=keys))
        if catalog.has(relation, "is_cancelled") or relation == DEFAULT_MONEY[0]:
            rules.append(rule("value.money_refund_exceeds_item_revenue", relation,
                              gx.expectations.ExpectColumnValuesToBeBetween(column="refund_beyond_item_revenue",
                                                                            max_value=MONEY_TOLERANCE),
                              ("refund_beyond_item_revenue",),
                              "orders whose refunds exceed their item revenue (shipping, tax or goodwill "
                              "refunded): counted, allowed",
                              query=f"select {key_list}, {sql['beyond']} as refund_beyond_item_revenue "
                                    f"from {relation}",
                              example_columns=keys))
    return rules
