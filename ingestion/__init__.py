"""Ingestion: dlt sources landing vendor data in raw_<system> schemas, with contract checks and quarantine."""
