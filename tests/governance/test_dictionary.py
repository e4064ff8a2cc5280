"""The data dictionary: well formed, complete, and the only place the rules live."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdw.steps.check import audience_syncs
from core.dictionary import DICTIONARY_PATH, DictionaryError, load_dictionary, parse_dictionary
from expectations.audience import audience_rules
from expectations.catalog import Catalog
from expectations.governed_fields import dictionary_rules
from expectations.identity import identity_rules
from expectations.value import value_rules

ISSUE_VALUES = {
    "customer_status": ("prospect", "active", "lapsed"),
    "channel_source": ("Amazon", "DTC", "social", "marketplace", "email", "support"),
}


def test_governed_fields_carry_description_type_values_pii_and_owner():
    dictionary = load_dictionary()
    for name, values in ISSUE_VALUES.items():
        assert dictionary.fields[name].allowed_values == values
    assert dictionary.fields["marketplace"].allowed_values
    for name in ("consent_email", "consent_sms", "consent_ads"):
        assert dictionary.fields[name].type == "boolean"
    for spec in dictionary.fields.values():
        assert spec.description and spec.pii and spec.owner in dictionary.stewards
        assert spec.applies_to, f"{spec.name} applies nowhere"


def test_stewardship_names_the_four_owners_and_what_they_own():
    dictionary = load_dictionary()
    assert {"customer_identity", "orders", "product_catalog", "marketing_events"} <= set(dictionary.stewards)
    # the API Dagster uses for owners
    assert dictionary.steward_for("raw_shopify/orders").key == "orders"
    assert dictionary.steward_for("stg_shopify__customers").key == "customer_identity"
    assert dictionary.steward_for("fct_events").key == "marketing_events"
    assert dictionary.steward_for("dim_products").owner == "team:product-catalog"


def test_every_rule_family_used_by_a_suite_has_a_severity():
    dictionary = load_dictionary()
    catalog = Catalog({"marts.x": {"customer_status": "VARCHAR"}})
    families = {r.family for r in [*dictionary_rules(catalog), *identity_rules(catalog), *value_rules(catalog),
                                   *audience_rules(catalog, syncs=audience_syncs())]}
    assert families <= set(dictionary.rules)
    assert set(dictionary.rules.values()) <= {"error", "warn"}


@pytest.mark.parametrize(("relation", "column", "pii"), [
    ("staging.stg_shopify__customers", "email", "direct"),
    ("raw_klaviyo.profiles", "attributes__email", "direct"),
    ("raw_zendesk.users", "name", "direct"),
    ("raw_shopify.orders", "name", "none"),  # the order name, "#1001"
    ("staging.stg_shopify__customers", "email_marketing_consent_state", "none"),
    ("marts.dim_customers", "consent_email", "none"),
    ("staging.stg_shopify__orders", "shipping_postal_code", "indirect"),
    ("marts.fct_orders", "channel_source", "none"),
])
def test_columns_are_classified(relation, column, pii):
    assert load_dictionary().pii_class(relation, column) == pii


def test_an_unknown_column_that_looks_personal_is_treated_as_personal():
    classification = load_dictionary().classify("marts.new_mart", "billing_street")
    assert (classification.pii, classification.explicit) == ("direct", False)
    assert not load_dictionary().is_analytics_safe("marts.new_mart", "billing_street")


@pytest.mark.parametrize(("change", "message"), [
    (("pii: none\n    owner: orders", "pii: secret\n    owner: orders"), r"pii: must be one of .*, got .secret."),
    (("dictionary.format: error", "dictionary.format: fatal"),
     r"rules.dictionary.format: must be one of .error. or .warn., got .fatal."),
    (("format: email", "format: mailaddress"), "not defined under formats"),
])
def test_a_malformed_dictionary_is_refused_with_the_entry_named(tmp_path: Path, change, message):
    text = DICTIONARY_PATH.read_text()
    assert change[0] in text
    broken = tmp_path / "dictionary.yml"
    broken.write_text(text.replace(change[0], change[1], 1))
    with pytest.raises(DictionaryError, match=message):
        parse_dictionary(broken)
