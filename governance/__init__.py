"""Governance: the data dictionary (owners, governed fields and their rules) and what reads it."""
