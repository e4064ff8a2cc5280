from pathlib import Path

import pytest

from core.contracts import ContractError, all_tables, load_contracts, parse_contract


def test_every_system_has_a_contract():
    assert set(load_contracts()) == {"shopify", "amazon", "klaviyo", "zendesk"}


def test_every_table_has_a_declared_key_and_description():
    for table in all_tables():
        assert table.primary_key, table.qualified_name
        assert table.description, table.qualified_name
        for key in table.primary_key:
            assert table.column(key).required, f"{table.qualified_name}.{key} is a key but not required"


def test_a_contract_with_an_undeclared_key_is_rejected(tmp_path: Path):
    bad = tmp_path / "bad.yml"
    bad.write_text("system: x\nschema: raw_x\ntables:\n  t:\n    primary_key: [id]\n    columns:\n"
                   "      name: {type: text}\n")
    with pytest.raises(ContractError, match="primary key columns \\['id'\\]"):
        parse_contract(bad)


def test_a_contract_with_an_unknown_type_is_rejected(tmp_path: Path):
    bad = tmp_path / "bad.yml"
    bad.write_text("system: x\nschema: raw_x\ntables:\n  t:\n    primary_key: [id]\n    columns:\n"
                   "      id: {type: uuid, required: true}\n")
    with pytest.raises(ContractError, match="tables.t.columns.id.type: must be one of .*, got .uuid."):
        parse_contract(bad)
