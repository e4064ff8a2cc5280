"""Shopify connector: the Admin GraphQL API -> ``raw_shopify`` (see ``source.py``)."""
