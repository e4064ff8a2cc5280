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
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator

from core.config import ConfigFileError, StrictModel, load_yaml_model
from core.identifiers import E164_PATTERN, EMAIL_PATTERN
from core.settings import REPO_ROOT

DICTIONARY_PATH = REPO_ROOT / "governance" / "data_dictionary.yml"
PII_CLASSES = ("none", "indirect", "direct", "sensitive")
SEVERITIES = ("error", "warn")
FIELD_TYPES = ("text", "boolean", "integer", "number", "date", "timestamp")


class DictionaryError(ConfigFileError):
    """The dictionary file is not well formed; the message names the file and the entry."""


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
    formats: dict[str, str] = field(default_factory=dict)  # format name -> regular expression
    format_rules: dict[str, str] = field(default_factory=dict)  # format name -> identifier rule it is
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


# -- the file, as typed models --------------------------------------------------------------------

PiiClass = Literal["none", "indirect", "direct", "sensitive"]
FieldType = Literal["text", "boolean", "integer", "number", "date", "timestamp"]
Severity = Literal["error", "warn"]
IDENTIFIER_RULES = {"email": EMAIL_PATTERN, "e164": E164_PATTERN}
"""Formats that are the warehouse's identifier rules (core/identifiers), named in the file as ``{rule: …}``."""


class _StewardSpec(StrictModel):
    title: str | None = None
    owner: str
    description: str = ""
    owns: list[str] = []

    @field_validator("owner")
    @classmethod
    def _owner(cls, owner: str) -> str:
        if not (owner.startswith("team:") or "@" in owner):
            raise ValueError(f"must be an e-mail or 'team:<name>', got {owner!r}")
        return owner


class _FieldSpec(BaseModel):
    """A governed field; keys beyond these are kept as ``extra``."""

    model_config = ConfigDict(extra="allow", frozen=True)

    description: str
    type: FieldType
    pii: PiiClass
    owner: str
    allowed_values: list[Any] = []
    format: str | None = None
    applies_to: list[str] = []

    @field_validator("allowed_values")
    @classmethod
    def _distinct(cls, values: list[Any]) -> list[Any]:
        if len({repr(v) for v in values}) != len(values):
            raise ValueError("lists a value twice")
        return values

    @field_validator("applies_to")
    @classmethod
    def _targets(cls, targets: list[str]) -> list[str]:
        for target in targets:
            if target.count(".") != 2:
                raise ValueError(f"{target!r} is not 'schema.relation.column'")
        return targets


class _RuleFormat(StrictModel):
    rule: Literal["email", "e164"]


class _PiiSpec(StrictModel):
    hints: list[str] = []
    none: list[str] = []
    indirect: list[str] = []
    direct: list[str] = []
    sensitive: list[str] = []


class _ServingSpec(StrictModel):
    analytics_excludes: list[PiiClass] = ["direct", "indirect", "sensitive"]


class _PrivacySpec(StrictModel):
    records: dict[str, list[str]] = {}
    children: dict[str, str] = {}
    customer_columns: list[str] = []
    record_columns: list[str] = []
    node_columns: list[str] = []
    identifier_types: list[str] = []

    @field_validator("records")
    @classmethod
    def _records(cls, records: dict[str, list[str]]) -> dict[str, list[str]]:
        for entity, columns in records.items():
            if entity.count("/") != 1 or any(c.count(".") != 2 for c in columns):
                raise ValueError(f"{entity}: use 'system/entity': ['schema.table.column', ...]")
        return records


class _DictionaryFile(StrictModel):
    stewardship: dict[str, _StewardSpec] = {}
    fields: dict[str, _FieldSpec] = {}
    formats: dict[str, str | _RuleFormat] = {}
    rules: dict[str, Severity] = {}
    pii: _PiiSpec = _PiiSpec()
    serving: _ServingSpec = _ServingSpec()
    privacy: _PrivacySpec = _PrivacySpec()

    @field_validator("formats")
    @classmethod
    def _patterns(cls, formats: dict[str, str | _RuleFormat]) -> dict[str, str | _RuleFormat]:
        for name, pattern in formats.items():
            if isinstance(pattern, str):
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise ValueError(f"{name}: not a regular expression ({exc})") from None
        return formats


# -- building the dictionary -----------------------------------------------------------------------


def _build(spec: _DictionaryFile) -> Dictionary:
    """The dictionary of a validated file; cross-references (owners, formats) checked here."""
    stewards = {key: Steward(key=key, title=s.title or key, owner=s.owner, description=s.description,
                             owns=tuple(s.owns)) for key, s in spec.stewardship.items()}
    formats = {name: IDENTIFIER_RULES[f.rule] if isinstance(f, _RuleFormat) else f for name, f in spec.formats.items()}
    fields = {}
    for name, f in spec.fields.items():
        if f.owner not in stewards:
            raise DictionaryError(f"fields.{name}.owner {f.owner!r} is not a steward")
        if f.format and f.format not in formats:
            raise DictionaryError(f"fields.{name}.format {f.format!r} is not defined under formats")
        fields[name] = GovernedField(name=name, description=f.description, type=f.type, pii=f.pii, owner=f.owner,
                                     allowed_values=tuple(f.allowed_values), format=f.format,
                                     applies_to=tuple(f.applies_to), extra=dict(f.model_extra or {}))
    pii = spec.pii
    privacy = spec.privacy
    return Dictionary(
        stewards=stewards,
        fields=fields,
        formats=formats,
        format_rules={name: f.rule for name, f in spec.formats.items() if isinstance(f, _RuleFormat)},
        rules=dict(spec.rules),
        pii_policy=PiiPolicy(patterns={c: tuple(getattr(pii, c)) for c in PII_CLASSES}, hints=tuple(pii.hints),
                             analytics_excludes=tuple(spec.serving.analytics_excludes)),
        privacy=PrivacyConfig(records={k: tuple(v) for k, v in privacy.records.items()},
                              children=dict(privacy.children),
                              customer_columns=tuple(privacy.customer_columns),
                              record_columns=tuple(privacy.record_columns), node_columns=tuple(privacy.node_columns),
                              identifier_types=tuple(privacy.identifier_types)),
    )


def parse_dictionary(path: Path) -> Dictionary:
    """Read and check a dictionary file; :class:`DictionaryError` names the file and the entry."""
    return _build(load_yaml_model(path, _DictionaryFile, error=DictionaryError))


@cache
def load_dictionary(path: Path = DICTIONARY_PATH) -> Dictionary:
    return parse_dictionary(path)
