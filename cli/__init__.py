"""The `cdw` command line: the user's door. It calls the run's steps (:mod:`cdw.steps`), shows their
progress and summary, and mirrors what it did into the Dagster instance (:mod:`orchestration.cli_runs`)."""
