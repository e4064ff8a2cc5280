"""The consent and privacy suite, on every outgoing audience (``activation/syncs.yml``).

For each sync, on its audience relation:

* ``audience.consent``: every member holds the consent the sync requires (a null consent is no
  consent). The one exception: in ``upsert`` mode with ``remove_on_consent_loss`` a member who is
  already at the destination may stay listed without consent, so activation can remove them;
* ``audience.not_suppressed``: no suppressed (unsubscribed, bounced, complained) person, and no
  person with an erasure on record (``activation.deletion_queue``), with the same upsert exception
  for suppression (never for erasure);
* ``audience.hashed_identifiers``: a destination that takes hashed identifiers only (Meta, Google
  Ads) is never mapped a personal column unless its values are SHA-256 hashes;
* ``audience.columns_within_mapping``: the audience holds no personal column beyond what its
  syncs use (the destinations' match keys and the mapped fields);
* ``audience.one_row_per_member``: one row per member (``customer_id``; ``trigger_id`` for trigger
  audiences).

An audience that is not built yet is reported as such (warn).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import great_expectations as gx

from core.dictionary import Dictionary, load_dictionary
from core.sql import literal
from expectations.catalog import Catalog
from expectations.rules import Rule, governed_rule

SUITE = "audience"
CONTRACT = ("customer_id", "is_suppressed", "consent_email", "consent_sms", "consent_ads", "trigger_id",
            "triggered_at")
DELETION_QUEUE = "activation.deletion_queue"
SYNC_STATE = "activation.sync_state"


@dataclass(frozen=True)
class AudienceSync:
    """What the rules need to know of one outgoing sync (the activation configuration, as plain data).

    The steps layer describes each configured sync this way (``cdw.steps.check``), so these rules
    never read the activation package's internals.
    """

    name: str
    relation: str
    destination: str
    destination_type: str
    consent_column: str | None
    """Audience column holding the consent the sync requires; ``None`` for ``consent: none``."""
    mode: str
    remove_on_consent_loss: bool
    is_trigger: bool
    hashed_only: bool
    """The destination takes hashed identifiers only (no field mapping): Meta, Google Ads."""
    identity_columns: tuple[str, ...]
    field_columns: tuple[str, ...]

    @property
    def used_columns(self) -> set[str]:
        """Columns of the audience the sync sends or needs: contract, match keys, mapped fields."""
        return {*CONTRACT, *self.identity_columns, *self.field_columns}


def _removal_exception(sync: AudienceSync, catalog: Catalog) -> str:
    """SQL: the member is at the destination and listed so an upsert sync removes them."""
    if sync.mode != "upsert" or not sync.remove_on_consent_loss or not catalog.exists(SYNC_STATE):
        return ""
    return (f" or customer_id in (select customer_id from {SYNC_STATE} "
            f"where sync_name = {literal(sync.name)})")


def sync_rules(sync: AudienceSync, catalog: Catalog, dictionary: Dictionary) -> list[Rule]:
    """Consent, suppression and hashing rules for one sync's audience."""
    relation = sync.relation.lower()

    def rule(family: str, expectation: gx.expectations.Expectation, columns: tuple[str, ...], description: str,
             **options) -> Rule:
        return governed_rule(SUITE, relation, expectation, family=family, severity=dictionary.severity(family),
                             columns=columns, description=f"{description} (sync {sync.name})", **options)

    rules: list[Rule] = []
    exception = _removal_exception(sync, catalog)
    column = sync.consent_column
    if column is not None:
        rules.append(rule(
            "audience.consent", gx.expectations.ExpectColumnValuesToBeInSet(column="holds_consent", value_set=[True]),
            ("holds_consent",), f"every member holds {column} for {sync.destination}",
            query=f"select customer_id, coalesce({column}, false){exception} as holds_consent from {relation}",
            example_columns=("customer_id",)))
    erased = (f" or customer_id in (select customer_id from {DELETION_QUEUE})"
              if catalog.exists(DELETION_QUEUE) else "")
    rules.append(rule(
        "audience.not_suppressed",
        gx.expectations.ExpectColumnValuesToBeInSet(column="suppressed_or_erased", value_set=[False]),
        ("suppressed_or_erased",), f"no suppressed or erased person is sent to {sync.destination}",
        query=f"select customer_id, (coalesce(is_suppressed, false) and not (false{exception})){erased} "
              f"as suppressed_or_erased from {relation}",
        example_columns=("customer_id",)))
    if sync.hashed_only:
        sha256 = dictionary.format_pattern("sha256")
        for mapped in sync.field_columns:
            if dictionary.pii_class(relation, mapped) != "none":
                rules.append(rule(
                    "audience.hashed_identifiers",
                    gx.expectations.ExpectColumnValuesToMatchRegex(column=mapped, regex=sha256),
                    (mapped,),
                    f"{sync.destination_type} takes hashed identifiers only: personal column {mapped} "
                    "must hold SHA-256 hashes", pii_columns=frozenset({mapped})))
    key = "trigger_id" if sync.is_trigger else "customer_id"
    rules.append(rule(
        "audience.one_row_per_member", gx.expectations.ExpectColumnValuesToBeBetween(
            column="rows_per_member", min_value=1, max_value=1),
        ("rows_per_member",), f"one row per {key}",
        query=f"select {key}, count(*) as rows_per_member from {relation} group by {key}",
        example_columns=(key,)))
    return rules


def columns_rule(relation: str, syncs: list[AudienceSync], catalog: Catalog, dictionary: Dictionary) -> Rule:
    """The audience holds no personal column that none of its syncs uses."""
    used = set().union(*(s.used_columns for s in syncs))
    present = list(catalog.columns(relation))
    allowed = [c for c in present if c in used or dictionary.pii_class(relation, c) == "none"]
    family = "audience.columns_within_mapping"
    names = ", ".join(s.name for s in syncs)
    return governed_rule(
        SUITE, relation, gx.expectations.ExpectTableColumnsToMatchSet(column_set=allowed, exact_match=True),
        family=family, severity=dictionary.severity(family), columns=(),
        description=f"no personal column beyond the match keys and mapped fields of syncs {names}",
        scope="table", query=f"select * from {relation} limit 0")


def audience_rules(catalog: Catalog | None = None, dictionary: Dictionary | None = None,
                   syncs: list[AudienceSync] | None = None) -> list[Rule]:
    """Rules for every outgoing sync's audience (none when no sync is configured)."""
    dictionary = dictionary or load_dictionary()
    catalog = catalog or Catalog()
    rules: list[Rule] = []
    by_audience: dict[str, list[AudienceSync]] = defaultdict(list)
    for sync in syncs or []:
        rules.extend(sync_rules(sync, catalog, dictionary))
        by_audience[sync.relation.lower()].append(sync)
    for relation, members in by_audience.items():
        rules.append(columns_rule(relation, members, catalog, dictionary))
    return rules
