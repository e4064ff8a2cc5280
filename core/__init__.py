"""The core every package may import: settings and paths, contracts, the data dictionary, the dbt runner, as-of.

It imports nothing else of the project (see tests/test_layers.py).
"""
