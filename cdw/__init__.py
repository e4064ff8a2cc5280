"""Customer-data warehouse: shared settings, contracts and the command-line interface."""
