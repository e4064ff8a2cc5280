"""Zendesk Support API connector (support channel): lands ``raw_zendesk`` per ``ingestion/contracts/zendesk.yml``.

``source`` is the dlt source; ``SYSTEM`` names the contract it lands. See :mod:`.source`.
"""

from ingestion.sources.zendesk.source import SYSTEM, source

__all__ = ["SYSTEM", "source"]
