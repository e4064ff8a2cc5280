"""Great Expectations suites built from the project's rule files, and the runner that applies them."""
