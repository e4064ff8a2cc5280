"""Load the data dictionary and answer: who owns this asset, what are a field's rules."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

DICTIONARY_PATH = Path(__file__).with_name("data_dictionary.yml")
PII_CLASSES = {"none", "indirect", "direct", "sensitive"}


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
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Dictionary:
    stewards: dict[str, Steward]
    fields: dict[str, GovernedField]

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


def parse_dictionary(path: Path) -> Dictionary:
    doc = yaml.safe_load(path.read_text())
    stewards = {}
    for key, spec in (doc.get("stewardship") or {}).items():
        owner = spec.get("owner", "")
        if not (owner.startswith("team:") or "@" in owner):
            raise DictionaryError(f"stewardship.{key}.owner must be an e-mail or 'team:<name>', got {owner!r}")
        stewards[key] = Steward(key=key, title=spec.get("title", key), owner=owner,
                                description=spec.get("description", ""), owns=tuple(spec.get("owns") or ()))
    fields = {}
    for name, spec in (doc.get("fields") or {}).items():
        for required in ("description", "type", "pii", "owner"):
            if required not in spec:
                raise DictionaryError(f"fields.{name}: missing {required!r}")
        if spec["pii"] not in PII_CLASSES:
            raise DictionaryError(f"fields.{name}.pii must be one of {sorted(PII_CLASSES)}")
        if spec["owner"] not in stewards:
            raise DictionaryError(f"fields.{name}.owner {spec['owner']!r} is not a steward")
        known = {"description", "type", "pii", "owner", "allowed_values", "format"}
        fields[name] = GovernedField(name=name, description=spec["description"], type=spec["type"], pii=spec["pii"],
                                     owner=spec["owner"], allowed_values=tuple(spec.get("allowed_values") or ()),
                                     format=spec.get("format"),
                                     extra={k: v for k, v in spec.items() if k not in known})
    return Dictionary(stewards=stewards, fields=fields)


@cache
def load_dictionary(path: Path = DICTIONARY_PATH) -> Dictionary:
    return parse_dictionary(path)
