"""``python -m benchmarks.export_people``: see the package docstring."""

from benchmarks.export_people.run import main

raise SystemExit(main())
