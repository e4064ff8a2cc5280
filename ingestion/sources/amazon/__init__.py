"""Amazon connector: the Selling Partner API (Orders, Reports) -> ``raw_amazon`` (see ``source.py``)."""
