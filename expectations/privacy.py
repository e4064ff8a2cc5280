"""The privacy suite: a person who was erased never comes back.

``cdw privacy erase`` records a SHA-256 hash of every identifier it erased (e-mail, phone,
``customer_id``) in ``audit.erased_subjects`` (never the identifier itself). Should a re-ingested
export or a vendor API bring the person back, this suite finds the hash again in the e-mail and
phone columns the dictionary governs and in the customer-id columns of the marts, and blocks
publishing; running the erasure again removes the person.
"""

from __future__ import annotations

import great_expectations as gx

from core.dictionary import Dictionary, load_dictionary
from expectations.catalog import Catalog
from expectations.governed_fields import _targets
from expectations.rules import Rule, governed_rule

SUITE = "privacy"
ERASED = "audit.erased_subjects"
IDENTIFIER_FORMATS = ("email", "e164")
# How each kind of identifier is normalised before hashing (the same in cdw/privacy.py).
NORMALISE_SQL = {"email": "lower(trim({column}))", "e164": "trim({column})", "customer_id": "{column}"}


def erased_hash_sql(column: str, kind: str) -> str:
    return f"sha256({NORMALISE_SQL[kind].format(column=f'cast({column} as varchar)')})"


def privacy_rules(catalog: Catalog | None = None, dictionary: Dictionary | None = None) -> list[Rule]:
    """One rule per governed identifier column and mart customer-id column, once anything was erased."""
    dictionary = dictionary or load_dictionary()
    catalog = catalog or Catalog()
    if not catalog.exists(ERASED):
        return []
    family = "privacy.no_erased_person"
    targets: list[tuple[str, str, str]] = []
    for spec in dictionary.fields.values():
        if spec.format in IDENTIFIER_FORMATS:
            targets += [(relation, column, spec.format) for relation, column in _targets(spec, catalog)
                        if catalog.has(relation, column)]
    for column in dictionary.privacy.customer_columns:
        targets += [(relation, column, "customer_id") for relation, _ in catalog.match("marts.*", column)]
    rules = []
    for relation, column, kind in targets:
        rules.append(governed_rule(
            SUITE, relation,
            gx.expectations.ExpectColumnValuesToBeInSet(column="is_erased_person", value_set=[False]),
            family=family, severity=dictionary.severity(family), columns=("is_erased_person",),
            description=f"no erased person's {column} is back (erase again: cdw privacy erase)",
            query=f"select {erased_hash_sql(column, kind)} in (select subject_hash from {ERASED}) "
                  f"as is_erased_person from {relation} where {column} is not null",
            requires=(relation, ERASED)))
    return rules
