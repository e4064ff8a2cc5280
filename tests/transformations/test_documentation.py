"""The marts are the analysts' catalogue: every column described, docs generate.

The SQL of every model and macro is linted once, in tests/dbt/test_dbt_project.py.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.transformations.conftest import AS_OF, FACT_TABLES, TransformationsDemo, query, run_dbt


def manifest_models(target: Path) -> dict[str, dict]:
    manifest = json.loads((target / "manifest.json").read_text())
    return {node["name"]: node for node in manifest["nodes"].values() if node["resource_type"] == "model"}


def test_every_mart_column_is_described_and_built(demo: TransformationsDemo) -> None:
    models = manifest_models(demo.full.home / "dbt" / "target")
    for table in FACT_TABLES:
        node = models[table]
        assert node["schema"] == "marts" and node["description"].strip(), table
        undocumented = [name for name, column in node["columns"].items() if not column.get("description", "").strip()]
        assert not undocumented, f"{table}: columns without description {undocumented}"
        built = [row[0] for row in query(demo.full.build_db, """
            select column_name from information_schema.columns
            where table_schema = 'marts' and table_name = ? order by ordinal_position
        """, [table])]
        assert built == list(node["columns"]), f"{table}: the yml must list the built columns, in order"


def test_docs_generate(demo: TransformationsDemo) -> None:
    result = run_dbt(demo.full, ["docs", "generate", "--select", *[f"+{t}" for t in FACT_TABLES]], as_of=AS_OF)
    assert result.success, result.failures
    catalog = json.loads((demo.full.home / "dbt" / "target" / "catalog.json").read_text())
    documented = {node["metadata"]["name"] for node in catalog["nodes"].values()}
    assert set(FACT_TABLES) <= documented
