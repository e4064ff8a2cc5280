"""Dagster definitions, one module per concern; ``orchestration.definitions`` loads them all."""
