"""The dictionary suite: every governed field's allowed values, format and type, wherever it applies.

Built from ``governance/data_dictionary.yml``: each field's ``applies_to`` targets
("schema.relation.column", shell wildcards allowed) are matched against the build warehouse, so a
new mart that exposes ``customer_status`` is checked without touching this code. A target named
without wildcards that does not exist yet is reported as "not built yet" (warn) and enforced once
built. Raw landing schemas are the landing contracts' business, not this suite's.
"""

from __future__ import annotations

import great_expectations as gx

from core.dictionary import Dictionary, GovernedField, load_dictionary
from expectations.catalog import Catalog
from expectations.rules import Rule, governed_rule

SUITE = "dictionary"
PERSONAL = frozenset({"direct", "indirect", "sensitive"})


def _targets(spec: GovernedField, catalog: Catalog) -> list[tuple[str, str]]:
    """(relation, column) pairs the field applies to: explicit ones always, wildcard ones when built."""
    found: dict[tuple[str, str], None] = {}
    for relation_pattern, column_pattern in spec.targets():
        if "*" not in relation_pattern + column_pattern and "?" not in relation_pattern + column_pattern:
            found[(relation_pattern.lower(), column_pattern.lower())] = None
            continue
        for relation, column in catalog.match(relation_pattern, column_pattern):
            if not relation.startswith("raw_"):
                found[(relation, column)] = None
    return list(found)


def field_rules(spec: GovernedField, relation: str, column: str, dictionary: Dictionary) -> list[Rule]:
    """The rules one governed field sets on one column."""
    pii = frozenset({column}) if dictionary.pii_class(relation, column) in PERSONAL else frozenset()
    rules: list[Rule] = []

    def add(expectation: gx.expectations.Expectation, family: str, description: str) -> None:
        rules.append(governed_rule(SUITE, relation, expectation, family=family,
                                   severity=dictionary.severity(family), columns=(column,),
                                   description=description, pii_columns=pii))

    if spec.allowed_values:
        add(gx.expectations.ExpectColumnValuesToBeInSet(column=column, value_set=list(spec.allowed_values)),
            "dictionary.allowed_values", f"{spec.name}: only the dictionary's allowed values")
    if spec.format:
        add(gx.expectations.ExpectColumnValuesToMatchRegex(column=column, regex=dictionary.format_pattern(spec.format)),
            "dictionary.format", f"{spec.name}: {spec.format} format")
    if spec.type == "boolean":
        add(gx.expectations.ExpectColumnValuesToBeInSet(column=column, value_set=[True, False]),
            "dictionary.boolean", f"{spec.name}: true, false or null")
    return rules


def dictionary_rules(catalog: Catalog, dictionary: Dictionary | None = None) -> list[Rule]:
    """Every governed field's rules on every column it applies to in the build warehouse."""
    dictionary = dictionary or load_dictionary()
    rules: list[Rule] = []
    for spec in dictionary.fields.values():
        for relation, column in _targets(spec, catalog):
            rules.extend(field_rules(spec, relation, column, dictionary))
    return rules
