"""Vendor API connector tests against local fake vendor servers."""
