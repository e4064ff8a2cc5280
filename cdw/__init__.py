"""The application: the run's steps over one run context, and the `cdw` command line that calls them."""
