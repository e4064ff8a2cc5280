"""Seeded demo data generator: four vendors' raw tables for one set of true persons, plus ground truth."""
