"""Governance: the data dictionary (owners, governed fields, severities, PII classes, privacy map), its generators.

See ``governance/README.md``; ``python -m governance.generate`` writes the dbt docs blocks and seed.
"""
