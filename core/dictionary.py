"""Load the data dictionary and answer: who owns this asset, what are a field's rules, how personal is a column.

Everything that enforces or documents a house rule reads it from here: Dagster owners
(:meth:`Dictionary.steward_for`), the Great Expectations suites (governed fields, formats, rule
severities), the dbt docs and seed written by ``python -m governance.generate``, the serving split
(:meth:`Dictionary.pii_class`) and privacy requests (:attr:`Dictionary.privacy`).
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from core.settings import REPO_ROOT

DICTIONARY_PATH = REPO_ROOT / "governance" / "data_dictionary.yml"
PII_CLASSES = ("none", "indirect", "direct", "sensitive")
SEVERITIES = ("error", "warn")
FIELD_TYPES = ("text", "boolean", "integer", "number", "date", "timestamp")


class DictionaryError(ValueError):
    """The dictionary file is not well formed; the message names the entry."""


@dataclass(frozen=True)
class Steward:
    key: str
    title: str
    owner: str  # a Dagster owner: an e-mail address or "team:<name>"
    description: str
    owns: tuple[str, ...]


@dataclass(frozen=True)
class GovernedField:
    name: str
    description: str
    type: str
    pii: str
    owner: str
    allowed_values: tuple = ()
    format: str | None = None
    applies_to: tuple[str, ...] = ()  # "schema.relation.column" patterns (shell wildcards)
    extra: dict = field(default_factory=dict)

    def targets(self) -> tuple[tuple[str, str], ...]:
        """(relation pattern, column pattern) pairs: ``marts.*.email`` -> ``("marts.*", "email")``."""
        return tuple(tuple(target.rsplit(".", 1)) for target in self.applies_to)  # type: ignore[misc]


@dataclass(frozen=True)
class PiiPolicy:
    """Column-name patterns per PII class, and the hint words that make an unmatched column suspect."""

    patterns: dict[str, tuple[str, ...]]
    hints: tuple[str, ...]
    analytics_excludes: tuple[str, ...]


@dataclass(frozen=True)
class PrivacyConfig:
    """Where a person's records live (see the ``privacy`` section of the dictionary)."""

    records: dict[str, tuple[str, ...]]  # "system/entity" -> ("schema.table.column", ...)
    children: dict[str, str]  # "child_schema.table.column" -> "parent_schema.table.column"
    customer_columns: tuple[str, ...]
    record_columns: tuple[str, ...]
    node_columns: tuple[str, ...]
    identifier_types: tuple[str, ...]


@dataclass(frozen=True)
class Classification:
    pii: str
    explicit: bool  # False: no pattern matched (a hint word made it `direct`, or nothing made it `none`)


@dataclass(frozen=True)
class Dictionary:
    stewards: dict[str, Steward]
    fields: dict[str, GovernedField]
    formats: dict[str, str] = field(default_factory=dict)
    rules: dict[str, str] = field(default_factory=dict)  # rule family -> severity
    pii_policy: PiiPolicy = field(default_factory=lambda: PiiPolicy({}, (), ("direct", "indirect", "sensitive")))
    privacy: PrivacyConfig = field(default_factory=lambda: PrivacyConfig({}, {}, (), (), (), ()))

    def steward_for(self, asset_path: str) -> Steward | None:
        """The steward whose pattern matches ``asset_path`` ("raw_shopify/orders"); most specific pattern wins."""
        best: tuple[int, Steward] | None = None
        for steward in self.stewards.values():
            for pattern in steward.owns:
                if fnmatch.fnmatchcase(asset_path, pattern):
                    specificity = len(pattern.replace("*", ""))
                    if best is None or specificity > best[0]:
                        best = (specificity, steward)
        return best[1] if best else None

    def severity(self, rule_family: str) -> str:
        """Severity of a rule family (``identity.one_row_per_customer``); unknown families are an error."""
        try:
            return self.rules[rule_family]
        except KeyError:
            raise DictionaryError(f"rules.{rule_family}: no severity in the data dictionary") from None

    def format_pattern(self, name: str) -> str:
        try:
            return self.formats[name]
        except KeyError:
            raise DictionaryError(f"formats.{name}: not defined") from None

    def classify(self, relation: str, column: str) -> Classification:
        """PII class of ``column`` of ``relation`` ("schema.table"); see the ``pii`` section."""
        name = column.lower()
        full = f"{relation.lower()}.{name}"
        best: tuple[tuple[int, int], str] | None = None
        for pii, patterns in self.pii_policy.patterns.items():
            for pattern in patterns:
                dotted = "." in pattern
                if fnmatch.fnmatchcase(full if dotted else name, pattern.lower()):
                    rank = (int(dotted), len(pattern.replace("*", "")))
                    if best is None or rank > best[0]:
                        best = (rank, pii)
        governed = self.fields.get(name)
        if governed is not None and (best is None or best[0][0] == 0):
            return Classification(governed.pii, True)
        if best is not None:
            return Classification(best[1], True)
        tokens = set(re.split(r"_+", name))
        if tokens & set(self.pii_policy.hints):
            return Classification("direct", False)
        return Classification("none", False)

    def pii_class(self, relation: str, column: str) -> str:
        return self.classify(relation, column).pii

    def is_analytics_safe(self, relation: str, column: str) -> bool:
        """Whether the column may be published to the PII-free ``analytics`` schema."""
        return self.pii_class(relation, column) not in self.pii_policy.analytics_excludes


def _strings(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DictionaryError(f"{where} must be a list of strings")
    return tuple(value)


def _parse_stewards(doc: dict) -> dict[str, Steward]:
    stewards = {}
    for key, spec in (doc.get("stewardship") or {}).items():
        owner = spec.get("owner", "")
        if not (owner.startswith("team:") or "@" in owner):
            raise DictionaryError(f"stewardship.{key}.owner must be an e-mail or 'team:<name>', got {owner!r}")
        stewards[key] = Steward(key=key, title=spec.get("title", key), owner=owner,
                                description=spec.get("description", ""), owns=tuple(spec.get("owns") or ()))
    return stewards


def _parse_fields(doc: dict, stewards: dict[str, Steward], formats: dict[str, str]) -> dict[str, GovernedField]:
    fields = {}
    known = {"description", "type", "pii", "owner", "allowed_values", "format", "applies_to"}
    for name, spec in (doc.get("fields") or {}).items():
        for required in ("description", "type", "pii", "owner"):
            if required not in spec:
                raise DictionaryError(f"fields.{name}: missing {required!r}")
        if spec["pii"] not in PII_CLASSES:
            raise DictionaryError(f"fields.{name}.pii must be one of {list(PII_CLASSES)}")
        if spec["owner"] not in stewards:
            raise DictionaryError(f"fields.{name}.owner {spec['owner']!r} is not a steward")
        if spec["type"] not in FIELD_TYPES:
            raise DictionaryError(f"fields.{name}.type must be one of {list(FIELD_TYPES)}")
        if spec.get("format") and spec["format"] not in formats:
            raise DictionaryError(f"fields.{name}.format {spec['format']!r} is not defined under formats")
        allowed = tuple(spec.get("allowed_values") or ())
        if len(set(allowed)) != len(allowed):
            raise DictionaryError(f"fields.{name}.allowed_values lists a value twice")
        applies_to = _strings(spec.get("applies_to"), f"fields.{name}.applies_to")
        for target in applies_to:
            if target.count(".") != 2:
                raise DictionaryError(f"fields.{name}.applies_to: {target!r} is not 'schema.relation.column'")
        fields[name] = GovernedField(name=name, description=spec["description"], type=spec["type"], pii=spec["pii"],
                                     owner=spec["owner"], allowed_values=allowed, format=spec.get("format"),
                                     applies_to=applies_to,
                                     extra={k: v for k, v in spec.items() if k not in known})
    return fields


def _parse_rules(doc: dict) -> dict[str, str]:
    rules = {}
    for family, severity in (doc.get("rules") or {}).items():
        if severity not in SEVERITIES:
            raise DictionaryError(f"rules.{family} must be one of {list(SEVERITIES)}, got {severity!r}")
        rules[family] = severity
    return rules


def _parse_pii(doc: dict) -> PiiPolicy:
    spec = doc.get("pii") or {}
    patterns = {pii: _strings(spec.get(pii), f"pii.{pii}") for pii in PII_CLASSES}
    unknown = set(spec) - set(PII_CLASSES) - {"hints"}
    if unknown:
        raise DictionaryError(f"pii: unknown key(s) {sorted(unknown)}; classes are {list(PII_CLASSES)}")
    excludes = _strings((doc.get("serving") or {}).get("analytics_excludes", ["direct", "indirect", "sensitive"]),
                        "serving.analytics_excludes")
    if set(excludes) - set(PII_CLASSES):
        raise DictionaryError(f"serving.analytics_excludes must name PII classes {list(PII_CLASSES)}")
    return PiiPolicy(patterns=patterns, hints=_strings(spec.get("hints"), "pii.hints"), analytics_excludes=excludes)


def _parse_privacy(doc: dict) -> PrivacyConfig:
    spec = doc.get("privacy") or {}
    records = {entity: _strings(columns, f"privacy.records.{entity}")
               for entity, columns in (spec.get("records") or {}).items()}
    for entity, columns in records.items():
        if entity.count("/") != 1 or any(c.count(".") != 2 for c in columns):
            raise DictionaryError(f"privacy.records.{entity}: use 'system/entity': ['schema.table.column', ...]")
    children = {str(k): str(v) for k, v in (spec.get("children") or {}).items()}
    return PrivacyConfig(
        records=records, children=children,
        customer_columns=_strings(spec.get("customer_columns"), "privacy.customer_columns"),
        record_columns=_strings(spec.get("record_columns"), "privacy.record_columns"),
        node_columns=_strings(spec.get("node_columns"), "privacy.node_columns"),
        identifier_types=_strings(spec.get("identifier_types"), "privacy.identifier_types"),
    )


def parse_dictionary(path: Path) -> Dictionary:
    doc = yaml.safe_load(path.read_text()) or {}
    stewards = _parse_stewards(doc)
    formats = {str(k): str(v) for k, v in (doc.get("formats") or {}).items()}
    for name, pattern in formats.items():
        try:
            re.compile(pattern)
        except re.error as exc:
            raise DictionaryError(f"formats.{name}: not a regular expression ({exc})") from None
    return Dictionary(stewards=stewards, fields=_parse_fields(doc, stewards, formats), formats=formats,
                      rules=_parse_rules(doc), pii_policy=_parse_pii(doc), privacy=_parse_privacy(doc))


@cache
def load_dictionary(path: Path = DICTIONARY_PATH) -> Dictionary:
    return parse_dictionary(path)
