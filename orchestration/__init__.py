"""Dagster orchestration: assets, checks, jobs, schedules and sensors over the other packages."""
