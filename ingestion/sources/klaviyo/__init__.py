"""Klaviyo API connector (e-mail channel): lands ``raw_klaviyo`` as ``ingestion/contracts/klaviyo.yml`` describes.

``source`` is the dlt source; ``SYSTEM`` names the contract it lands. See :mod:`.source`.
"""

from ingestion.sources.klaviyo.source import SYSTEM, source

__all__ = ["SYSTEM", "source"]
