"""The demo generator in chunks: a one-chunk run is what it always was, a chunked run is exact.

``tests/ingestion/test_demo_generator.py`` runs every check of the data on a chunked run too;
this module checks what chunks add: the chunk size changes nothing while the run fits in one
chunk, ids stay unique and in step across chunks, the persons truth agrees with the records, and
what the store has once is written once.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from dlt.common.normalizers.naming.snake_case import NamingConvention

from benchmarks.generator_truth import check
from core.contracts import load_contracts
from demo.chunks import Chunk, IdCounter, plan_chunks
from demo.generate import DEFAULT_END_DATE, GenerationResult, GeneratorConfig, generate
from demo.identity import e164
from demo.people import make_persons
from demo.taken import Taken
from demo.timeline import build_timeline
from demo.vector import unique_ints

CUSTOMERS = 1_500
CHUNK = 400
SEED = 7
NAMING = NamingConvention()
ID_TABLES = {"shopify_customer_ids": "shopify.customers", "klaviyo_profile_ids": "klaviyo.profiles",
             "zendesk_user_ids": "zendesk.users"}
SYSTEMS = ("shopify", "amazon", "klaviyo", "zendesk")


def digests(run: GenerationResult) -> dict[str, str]:
    """sha256 of every Parquet file a run wrote (vendor files and truth)."""
    files = [*run.out_dir.rglob("*.parquet"), *run.truth_dir.rglob("*.parquet")]
    return {f"{f.parent.name}/{f.name}": hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(files)}


def make(base: Path, customers: int, chunk_persons: int) -> GenerationResult:
    return generate(base / "landing", base / "truth", customers=customers, seed=SEED,
                    config=GeneratorConfig(chunk_persons=chunk_persons))


@pytest.fixture(scope="module")
def chunked(tmp_path_factory: pytest.TempPathFactory) -> GenerationResult:
    return make(tmp_path_factory.mktemp("chunked"), CUSTOMERS, CHUNK)


@pytest.fixture(scope="module")
def tables(chunked: GenerationResult) -> dict[str, pa.Table]:
    """Every vendor file with landed column names, and its truth rows' person and kind alongside."""
    truth = pq.read_table(chunked.truth_dir / "rows.parquet")
    out = {}
    for contract in (t for c in load_contracts().values() for t in c.tables):
        name = f"{contract.system}.{contract.name}"
        raw = pq.read_table(chunked.out_dir / contract.system / f"{contract.name}.parquet")
        raw = raw.rename_columns([NAMING.normalize_path(n) for n in raw.column_names])
        rows = truth.filter(pc.and_(pc.equal(truth["system"], contract.system),
                                    pc.equal(truth["table"], contract.name))).sort_by("row_number")
        out[name] = raw.append_column("_person", rows["person_id"]).append_column("_kind", rows["kind"]).append_column(
            "_key", rows["record_key"])
    return out


@pytest.fixture(scope="module")
def persons(chunked: GenerationResult) -> pa.Table:
    return pq.read_table(chunked.truth_dir / "persons.parquet")


def chunk_of(person: int) -> int:
    return (person - 1) // CHUNK


# ---------------------------------------------------------------- one chunk: nothing changes


def test_a_run_in_one_chunk_is_the_same_whatever_the_chunk_size(tmp_path: Path) -> None:
    """1,200 customers (the transformation tests' demo) in one chunk of exactly their number, of the
    default size and of a billion persons: byte for byte the same files, truth included."""
    exact = make(tmp_path / "exact", 1_200, 1_200)
    default = generate(tmp_path / "default" / "landing", tmp_path / "default" / "truth", customers=1_200, seed=SEED)
    huge = make(tmp_path / "huge", 1_200, 10**9)
    assert exact.chunks == default.chunks == huge.chunks == 1
    assert len(digests(exact)) == 23 + 3
    assert digests(exact) == digests(default) == digests(huge)


def test_store_tables_do_not_depend_on_the_customers(chunked: GenerationResult, tmp_path: Path) -> None:
    """Products and variants come from the shared catalog and the first chunk: the same bytes as any run of the seed."""
    other = make(tmp_path / "other", 300, 10**9)
    for name in ("products.parquet", "products__variants.parquet"):
        assert (chunked.out_dir / "shopify" / name).read_bytes() == (other.out_dir / "shopify" / name).read_bytes()


# ---------------------------------------------------------------- a chunked run is exact


def test_chunks_are_planned_and_recorded(chunked: GenerationResult, persons: pa.Table) -> None:
    assert chunked.chunks == 4
    manifest = json.loads((chunked.truth_dir / "manifest.json").read_text())
    assert manifest["chunks"] == 4 and manifest["config"]["chunk_persons"] == CHUNK
    assert persons["person_id"].to_pylist() == list(range(1, CUSTOMERS + 1))
    household_chunks = defaultdict(set)
    for person, household in zip(persons["person_id"].to_pylist(), persons["household_id"].to_pylist(), strict=True):
        household_chunks[household].add(chunk_of(person))
    assert all(len(c) == 1 for c in household_chunks.values())  # a household lives in one chunk


def test_every_record_has_one_person_and_one_valid_row(tables: dict[str, pa.Table]) -> None:
    """Keys are unique across chunks: a key's rows (versions, re-deliveries) all belong to one person,
    and every record has exactly one valid row; junk rows' keys are nobody else's."""
    for name, table in tables.items():
        kind = table["_kind"].to_pylist()
        keys = table["_key"].to_pylist()
        people = table["_person"].to_pylist()
        owners: dict = defaultdict(set)
        valid = Counter()
        for key, person, k in zip(keys, people, kind, strict=True):
            if k != "dirty":
                owners[key].add(person)
                valid[key] += k == "valid"
        assert all(len(p) == 1 for p in owners.values()), name
        assert all(valid[key] == 1 for key in owners), name
        dirty = {k for k, kd in zip(keys, kind, strict=True) if kd == "dirty" and k is not None}
        assert not dirty & set(owners), name


@pytest.mark.parametrize("name, column", [
    ("shopify.customers", "id"), ("shopify.orders", "id"), ("shopify.orders__line_items", "id"),
    ("shopify.refunds", "id"), ("shopify.refunds__refund_line_items", "id"), ("shopify.abandoned_checkouts", "id"),
    ("zendesk.users", "id"), ("zendesk.tickets", "id"), ("zendesk.satisfaction_ratings", "id"),
])
def test_sequential_ids_continue_from_chunk_to_chunk(tables: dict[str, pa.Table], name: str, column: str) -> None:
    """Every id a later chunk gives out is above every id of the earlier chunks (junk and added records included)."""
    table = tables[name]
    by_chunk: dict[int, list[int]] = defaultdict(list)
    for value, person in zip(table[column].to_pylist(), table["_person"].to_pylist(), strict=True):
        if value is not None and person is not None:
            by_chunk[chunk_of(person)].append(value)
    assert sorted(by_chunk) == [0, 1, 2, 3], name
    for earlier, later in zip(sorted(by_chunk)[:-1], sorted(by_chunk)[1:], strict=True):
        assert max(by_chunk[earlier]) < min(by_chunk[later]), (name, earlier)


def test_order_names_count_on_across_chunks(tables: dict[str, pa.Table]) -> None:
    orders = tables["shopify.orders"].filter(pc.equal(tables["shopify.orders"]["_kind"], "valid"))
    numbers = sorted(int(n[1:]) for n in orders["name"].to_pylist())
    assert numbers == list(range(1001, 1001 + orders.num_rows))


def test_the_persons_truth_agrees_with_the_records(tables: dict[str, pa.Table], persons: pa.Table) -> None:
    """Each person's presence flags, id lists and order counts, recomputed from the written files."""
    seen = {s: set() for s in SYSTEMS}
    for name, table in tables.items():
        system = name.split(".")[0]
        rows = table.filter(pc.is_valid(table["_person"]))
        if name == "shopify.pixel_events":  # anonymous browsing identifies nobody
            rows = rows.filter(pc.is_valid(rows["customer_id"]))
        seen[system].update(rows["_person"].to_pylist())
    ids = {}
    for label, name in ID_TABLES.items():
        valid = tables[name].filter(pc.equal(tables[name]["_kind"], "valid"))
        lists: dict[int, list] = defaultdict(list)
        for person, value in zip(valid["_person"].to_pylist(), valid["id"].to_pylist(), strict=True):
            if person is not None:
                lists[person].append(value)
        ids[label] = lists
    orders = {}
    for name in ("shopify.orders", "amazon.orders"):
        valid = tables[name].filter(pc.equal(tables[name]["_kind"], "valid"))
        orders[name] = Counter(valid["_person"].to_pylist())
    for row in persons.to_pylist():
        person = row["person_id"]
        for system in SYSTEMS:
            assert row[f"in_{system}"] == (person in seen[system]), (person, system)
        assert sorted(row["systems"]) == sorted(s for s in SYSTEMS if person in seen[s])
        for label in ID_TABLES:
            assert sorted(row[label]) == sorted(ids[label].get(person, [])), (person, label)
        assert row["shopify_orders"] == orders["shopify.orders"][person]
        assert row["amazon_orders"] == orders["amazon.orders"][person]


def test_inboxes_and_phones_are_nobody_elses_across_chunks(persons: pa.Table) -> None:
    """Two persons share a canonical e-mail or (outside the UK) a phone only within one household."""
    def households_per(column: str, rows: pa.Table) -> Counter:
        return Counter(len(h) for h in _group(rows[column].to_pylist(), rows["household_id"].to_pylist()).values())

    assert set(households_per("email", persons)) == {1}
    north_america = persons.filter(pc.invert(pc.starts_with(persons["phone_e164"], "+44")))
    assert set(households_per("phone_e164", north_america)) == {1}


def test_a_later_chunk_keeps_out_of_the_earlier_inboxes_and_numbers() -> None:
    """Two chunks drawing the very same names: without what the first took, every inbox would be taken twice."""
    timeline = build_timeline(DEFAULT_END_DATE, 3)

    def inboxes(persons) -> set[str]:
        return {_canonical(e) for e in persons.email.to_pylist()}

    taken = Taken()
    first = make_persons(np.random.default_rng(1), 300, timeline, Chunk(0, 2, 0, 300), taken)
    second = make_persons(np.random.default_rng(1), 300, timeline, Chunk(1, 2, 300, 300), taken)
    careless = make_persons(np.random.default_rng(1), 300, timeline, Chunk(1, 2, 300, 300), None)
    assert len(inboxes(first) & inboxes(careless)) > 250  # the same draws: the same people's addresses
    assert not inboxes(first) & inboxes(second)
    assert not set(e164(first).to_pylist()) & set(e164(second).to_pylist())
    assert second.person_id.tolist() == list(range(301, 601))
    assert second.household_id.min() > first.household_id.max()


def _canonical(email: str) -> str:
    local, _, domain = email.partition("@")
    return (local.replace(".", "") if domain == "gmail.com" else local) + "@" + domain


def test_a_purchasing_inbox_belongs_to_one_company(tables: dict[str, pa.Table]) -> None:
    customers = tables["shopify.customers"].filter(pc.not_equal(tables["shopify.customers"]["_kind"], "dirty"))
    owners: dict[str, set] = defaultdict(set)
    for email, person in zip(customers["email"].to_pylist(), customers["_person"].to_pylist(), strict=True):
        if email and email.startswith("purchasing@"):
            owners[email].add(person)
    assert owners and all(len(p) == 1 for p in owners.values())


def _group(values: list, households: list) -> dict:
    groups: dict = defaultdict(set)
    for value, household in zip(values, households, strict=True):
        groups[value].add(household)
    return groups


def test_what_the_store_has_once_is_written_once(tables: dict[str, pa.Table]) -> None:
    assert tables["klaviyo.lists"].num_rows == 6 and tables["klaviyo.metrics"].num_rows == 7
    users = tables["zendesk.users"]
    assert Counter(users["role"].to_pylist())["agent"] + Counter(users["role"].to_pylist())["admin"] == 8
    members = tables["klaviyo.list_members"].filter(pc.not_equal(tables["klaviyo.list_members"]["_kind"], "dirty"))
    joined: dict[str, str] = {}
    for list_id, at in zip(members["list_id"].to_pylist(), members["joined_group_at"].to_pylist(), strict=True):
        joined[list_id] = max(joined.get(list_id, at), at)
    lists = dict(zip(tables["klaviyo.lists"]["id"].to_pylist(), tables["klaviyo.lists"]["attributes__updated"]
                     .to_pylist(), strict=True))
    assert set(joined) <= set(lists) and all(lists[k] >= v for k, v in joined.items())
    chunks_per_list = defaultdict(set)
    for list_id, person in zip(members["list_id"].to_pylist(), members["_person"].to_pylist(), strict=True):
        chunks_per_list[list_id].add(chunk_of(person))
    assert any(len(c) == 4 for c in chunks_per_list.values())  # every chunk's members join the same lists


def test_files_hold_the_chunks_one_after_the_other(tables: dict[str, pa.Table]) -> None:
    """A file is in delivery order within a chunk; the chunks follow each other."""
    for name in ("shopify.orders", "klaviyo.events", "amazon.orders"):
        people = [p for p in tables[name]["_person"].to_pylist() if p is not None]
        order = [chunk_of(p) for p in people]
        assert order == sorted(order), name


def test_the_phenomena_tag_records_of_every_chunk(chunked: GenerationResult, tables: dict[str, pa.Table]) -> None:
    tags = pq.read_table(chunked.truth_dir / "phenomena.parquet")
    keys = {name: set(t["_key"].to_pylist()) for name, t in tables.items()}
    chunks = defaultdict(set)
    for system, table, key, phenomenon in zip(tags["system"].to_pylist(), tags["table"].to_pylist(),
                                              tags["record_key"].to_pylist(), tags["phenomenon"].to_pylist(),
                                              strict=True):
        assert key in keys[f"{system}.{table}"]
        chunks[phenomenon].add(system)
    assert {"gift_order", "name_typo", "household", "sms_only", "ticket_order_ref"} <= set(chunks)
    assert tags.num_rows == len(set(zip(tags["phenomenon"].to_pylist(), tags["system"].to_pylist(),
                                        tags["table"].to_pylist(), tags["record_key"].to_pylist(), strict=True)))


# ---------------------------------------------------------------- the parts


def test_plan_chunks() -> None:
    assert plan_chunks(1_000, 400) == [(0, 400), (400, 400), (800, 200)]
    assert plan_chunks(1_000, 1_000) == [(0, 1_000)]
    assert plan_chunks(5, 10**9) == [(0, 5)]
    with pytest.raises(ValueError):
        plan_chunks(10, 0)


def test_unique_ints_of_one_chunk_are_the_plain_draws_and_of_many_never_meet() -> None:
    plain = unique_ints(np.random.default_rng(3), 500, 10**6, 10**7)
    assert (Chunk().unique_ints(np.random.default_rng(3), 500, 10**6, 10**7) == plain).all()
    drawn = [Chunk(index=k, count=7).unique_ints(np.random.default_rng(k), 2_000, 100, 50_000) for k in range(7)]
    everything = np.concatenate(drawn)
    assert len(np.unique(everything)) == len(everything)
    assert everything.min() >= 100 and everything.max() < 50_000
    assert all((d % 7 == k).all() for k, d in enumerate(drawn))


def test_id_counter_starts_the_next_chunk_after_the_largest_id() -> None:
    counter = IdCounter()
    counter.observe("shopify", "orders", {"id": pa.array([5_301_234_000_010, None, 5_301_234_000_500]),
                                          "name": pa.array(["#1001", "#1003", None])})
    counter.observe("zendesk", "users", {"id": pa.array([361_234_567_100]), "organization_id": pa.nulls(1, pa.int64())})
    chunk = Chunk(index=1, count=2, offsets=counter.offsets)
    assert chunk.first_id("shopify.orders") == 5_301_234_000_500
    assert chunk.first_id("shopify.order_names") == 1003
    assert chunk.first_id("zendesk.users") == 361_234_567_100
    assert chunk.first_id("zendesk.organizations") == 360_009_876_000  # none given out yet
    assert chunk.first_id("shopify.customers") == 7_012_345_000_000


def test_the_run_step_knows_a_demo_in_other_chunks_is_other_people() -> None:
    """``cdw run`` starts the warehouse afresh for a demo of other people: another chunk size is one
    (when it cuts the persons differently), a manifest from before chunks is a one-chunk run."""
    from cdw.steps.generate import _identity

    before_chunks = {"seed": 42, "customers": 20_000, "end_date": "2026-10-31", "years": 3, "config": {}}
    one_chunk = {**before_chunks, "chunks": 1, "config": {"chunk_persons": 50_000}}
    also_one = {**before_chunks, "chunks": 1, "config": {"chunk_persons": 20_000}}
    in_chunks = {**before_chunks, "chunks": 2, "config": {"chunk_persons": 10_000}}
    assert _identity(before_chunks) == _identity(one_chunk) == _identity(also_one)
    assert _identity(in_chunks) != _identity(one_chunk)


def test_the_truth_checker_of_big_runs_finds_nothing_here_and_a_swapped_truth(chunked: GenerationResult,
                                                                               tmp_path: Path) -> None:
    """``benchmarks/generator_truth.py`` (the check used on the million-customer run) on this run,
    and on its files beside another seed's truth."""
    figures = check(chunked.out_dir.parent)
    assert figures.pop("truth_rows") == chunked.total_rows
    assert set(figures.values()) == {0}
    other = generate(tmp_path / "other" / "landing", tmp_path / "other" / "truth", customers=CUSTOMERS, seed=SEED + 1,
                     config=GeneratorConfig(chunk_persons=CHUNK))
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    (mixed / "landing").symlink_to(chunked.out_dir)
    (mixed / "truth").symlink_to(other.truth_dir)
    assert check(mixed)["rows_unmatched"] > 0
