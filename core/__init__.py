"""The core every package may import: settings and paths, typed configuration, contracts, the data
dictionary, the dbt runner, as-of, and the small shared rules: identifier normalisation
(``core.identifiers``), HTTP retries (``core.http``) and SQL quoting (``core.sql``).

It imports nothing else of the project (see tests/test_layers.py).
"""
