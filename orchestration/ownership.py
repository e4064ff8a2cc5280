"""Owners, descriptions and PII columns of assets, from the governance data dictionary.

Ownership is configuration (``governance/data_dictionary.yml``: stewards own asset-key patterns),
never code: every asset spec passes through :func:`govern`, which adds the steward as the Dagster
owner and says who owns the asset and why in its description.
"""

import re
from collections.abc import Iterable

import dagster as dg

from core.dictionary import Dictionary, Steward, load_dictionary
from orchestration.config import load_config

STEWARD_METADATA = "cdw/steward"
PII_CLASSES_MASKED = frozenset({"indirect", "direct", "sensitive"})
# Column-name hints for personal data the dictionary does not list by name (vendor field names):
# the column must *be* the identifier (`buyer_email`, `shipping_address_line_1`), not describe it
# (`verified_email`, `email_marketing_consent__state` say something about an address, not which).
PII_COLUMN = re.compile(r"(^|_)(e_?mail|email_address|phone|phone_number|mobile|zip|zip_code|postal_code|postcode|"
                        r"street|ip|ip_address|address|address_?\d|address_line_?\d)$")
PERSON_NAME = re.compile(r"(^|_)(first|last|full|given|family|buyer|customer|recipient|requester|ship_to|"
                         r"billing|shipping|contact)_?name$|^name$")
NOT_PII = re.compile(r"(^|_)(verified|is|has|consent|opt_in|opted_in)(_|$)")


def asset_path(key: dg.AssetKey) -> str:
    """The "/"-joined key the dictionary's stewardship patterns match (``raw_shopify/orders``)."""
    return "/".join(key.path)


def steward_for(key: dg.AssetKey, dictionary: Dictionary | None = None) -> Steward | None:
    return (dictionary or load_dictionary()).steward_for(asset_path(key))


def govern(spec: dg.AssetSpec) -> dg.AssetSpec:
    """``spec`` with its owner and a stewardship line in its description, from the dictionary."""
    steward = steward_for(spec.key)
    owner = steward.owner if steward else load_config().default_owner
    if steward:
        line = f"Owner: {steward.title} ({steward.owner}). {steward.description}".strip()
    else:
        line = (f"Owner: {owner} (default owner: no stewardship pattern in governance/data_dictionary.yml "
                f"matches {asset_path(spec.key)}).")
    description = f"{spec.description.rstrip()}\n\n{line}" if spec.description else line
    return spec.replace_attributes(owners=[owner], description=description).merge_attributes(
        metadata={STEWARD_METADATA: steward.title if steward else "default"})


def pii_columns(columns: Iterable[str], dictionary: Dictionary | None = None) -> set[str]:
    """Columns holding personal data: governed fields classed as PII, and name hints."""
    governed = {name for name, f in (dictionary or load_dictionary()).fields.items() if f.pii in PII_CLASSES_MASKED}
    found = set()
    for column in columns:
        lowered = column.lower()
        if NOT_PII.search(lowered):
            continue
        if (lowered in governed or any(lowered.endswith(f"_{g}") for g in governed) or PII_COLUMN.search(lowered)
                or PERSON_NAME.search(lowered)):
            found.add(column)
    return found


def column_descriptions(columns: Iterable[str], dictionary: Dictionary | None = None) -> dict[str, str]:
    """Descriptions the dictionary gives to governed fields among ``columns`` (by exact name)."""
    fields = (dictionary or load_dictionary()).fields
    return {c: f"{fields[c].description} (PII: {fields[c].pii}; owner: {fields[c].owner})"
            for c in columns if c in fields}
