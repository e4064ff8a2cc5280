"""The GX runner on real DuckDB files: rules built from a contract, results stored and masked."""

import warnings
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from core.validation_results import failed_error_rules, latest_run
from expectations import judging, runner
from expectations.landing import table_rules
from tests.expectations.shop_contract import TABLE


def _warehouse(tmp_path: Path, rows: list[tuple]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema raw_shop")
    con.execute("create table raw_shop.customers (id bigint, email varchar, updated_at varchar, total varchar, "
                "_cdw_loaded_at varchar)")
    con.executemany("insert into raw_shop.customers values (?, ?, ?, ?, ?)", rows)
    return con


def test_clean_batch_passes_every_rule(tmp_path):
    con = _warehouse(tmp_path, [(1, "a@b.co", "2025-01-02T03:04:05Z", "1.50", "1"),
                                (2, None, "2025-01-02T03:04:05-05:00", "0", "1")])
    report = runner.validate_rules(con, table_rules(TABLE), run_id="r1")
    assert report.blocking_failures == []
    assert report.passed == len(report.outcomes) > 4


def test_broken_rows_fail_with_counts_and_masked_examples(tmp_path):
    con = _warehouse(tmp_path, [(1, "jane.doe@gmail.com", "2025-01-02T03:04:05Z", "1.50", "1"),
                                (1, "not-an-email", "yesterday", "-3", "1"),
                                (None, "x@y.com", "2025-01-02", "2", "1")])
    report = runner.validate_rules(con, table_rules(TABLE), run_id="r2")
    failures = {o.rule.name: o for o in report.outcomes if not o.success}
    assert failures["expect_column_values_to_be_unique(id)"].unexpected_count == 2
    assert failures["expect_column_values_to_not_be_null(id)"].unexpected_count == 1
    email = failures["expect_column_values_to_match_regex(email)"]
    assert email.unexpected_count == 1 and email.examples == ["n***"]  # PII column: masked
    assert failures["expect_column_values_to_match_regex(updated_at)"].unexpected_count == 1
    assert failures["expect_column_values_to_match_regex(total)"].unexpected_count == 1
    assert len(report.blocking_failures) == 5


def test_only_the_latest_load_batch_is_validated_for_row_rules(tmp_path):
    con = _warehouse(tmp_path, [(1, "bad", "2025-01-02", "1", "1"), (2, "ok@x.io", "2025-01-02", "1", "2")])
    report = runner.validate_rules(con, table_rules(TABLE), run_id="r3")
    assert report.blocking_failures == []


def _unique_outcome(report: runner.CheckReport) -> runner.RuleOutcome:
    return next(o for o in report.outcomes if o.rule.name == "expect_column_values_to_be_unique(id)")


def _check(con: duckdb.DuckDBPyConnection, run_id: str) -> runner.RuleOutcome:
    report = runner.validate_rules(con, table_rules(TABLE), run_id=run_id)
    runner.store_report(con, report)
    return _unique_outcome(report)


def test_once_uniqueness_passed_a_new_load_is_judged_with_the_old_rows_of_its_keys(tmp_path):
    """A day's load of a big raw table: its keys are judged against every older row of the same keys,
    not the whole table again (element count), and a key the new load repeats still fails."""
    con = _warehouse(tmp_path, [(i, f"p{i}@x.io", "2025-01-02", "1", "1") for i in range(1, 11)])
    first = _check(con, "u1")
    assert first.success and first.element_count == 10  # a first load: every row
    con.executemany("insert into raw_shop.customers values (?, ?, ?, ?, ?)",
                    [(11, "a@x.io", "2025-01-03", "1", "2"), (12, "b@x.io", "2025-01-03", "1", "2")])
    daily = _check(con, "u2")
    assert daily.success and daily.element_count == 2
    con.execute("insert into raw_shop.customers values (3, 'c@x.io', '2025-01-04', '1', '3')")
    repeated = _check(con, "u3")
    assert not repeated.success
    assert (repeated.element_count, repeated.unexpected_count) == (2, 2)  # key 3: the new row and the old one


def test_after_a_failed_uniqueness_check_the_whole_table_is_judged_again(tmp_path):
    """A duplicate that blocked a run is not forgotten because the next load is clean."""
    con = _warehouse(tmp_path, [(1, "a@x.io", "2025-01-02", "1", "1"), (1, "b@x.io", "2025-01-02", "1", "1"),
                                (2, "c@x.io", "2025-01-02", "1", "1")])
    assert not _check(con, "f1").success
    con.execute("insert into raw_shop.customers values (5, 'd@x.io', '2025-01-03', '1', '2')")
    again = _check(con, "f2")
    assert not again.success and again.element_count == 4


def test_uniqueness_is_judged_on_every_row_when_the_checks_never_ran(tmp_path):
    con = _warehouse(tmp_path, [(1, "a@x.io", "2025-01-02", "1", "1"), (2, "b@x.io", "2025-01-02", "1", "2")])
    outcome = _unique_outcome(runner.validate_rules(con, table_rules(TABLE), run_id="n1"))
    assert outcome.success and outcome.element_count == 2


def test_chunked_validation_sums_counts_across_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "CHUNK_ROWS", 3)
    rows = [(i, "bad" if i % 4 == 0 else f"p{i}@x.io", "2025-01-02", "1", "1") for i in range(1, 21)]
    con = _warehouse(tmp_path, rows)
    report = runner.validate_rules(con, table_rules(TABLE), run_id="r4")
    email = next(o for o in report.outcomes if o.rule.name == "expect_column_values_to_match_regex(email)")
    assert (email.element_count, email.unexpected_count) == (20, 5)


def test_a_pattern_with_groups_does_not_warn_once_per_chunk(tmp_path, monkeypatch, recwarn):
    """The e-mail rule's pattern groups alternatives; pandas warned about it for every chunk (thousands
    of log lines at 1M customers)."""
    monkeypatch.setattr(runner, "CHUNK_ROWS", 3)
    con = _warehouse(tmp_path, [(i, f"p{i}@x.io", "2025-01-02", "1", "1") for i in range(1, 13)])
    report = runner.validate_rules(con, table_rules(TABLE), run_id="r4b")
    assert report.blocking_failures == []
    assert [str(w.message) for w in recwarn if judging.REGEX_GROUPS_WARNING in str(w.message)] == []


def test_results_are_stored_and_a_rerun_of_the_same_run_replaces_them(tmp_path):
    con = _warehouse(tmp_path, [(1, "bad", "2025-01-02", "1", "1")])
    report = runner.validate_rules(con, table_rules(TABLE), run_id="r5")
    runner.store_report(con, report)
    runner.store_report(con, report)
    stored = con.execute("select count(*), count(*) filter (where not success) from audit.validation_results "
                         "where run_id = 'r5'").fetchone()
    assert stored == (len(report.outcomes), 1)


def test_each_check_step_of_a_run_keeps_its_results_and_a_rerun_replaces_only_its_own(tmp_path):
    """A Dagster run checks in several steps under one run id (each system's landing, each dbt part's
    marts, the lane's audiences). Each step's store used to erase the run's earlier results: the
    activation gate then found no validation of an audience the run had checked, and the publish
    missed an earlier step's failed rules."""
    con = _warehouse(tmp_path, [(1, "bad", "2025-01-02", "1", "1")])
    landing = runner.validate_rules(con, table_rules(TABLE), run_id="r7")
    audience = runner.CheckReport(run_id="r7", outcomes=[
        runner.RuleOutcome(rule=replace(o.rule, suite="audience", relation="marts.audience_x"), success=True)
        for o in landing.outcomes[:2]])
    runner.store_report(con, landing)
    runner.store_report(con, audience)
    runner.store_report(con, audience)  # the same step again: its own results replaced, not doubled
    stored = dict(con.execute("select relation, count(*) from audit.validation_results where run_id = 'r7' "
                              "group by relation").fetchall())
    assert stored == {"raw_shop.customers": len(landing.outcomes), "marts.audience_x": 2}
    assert latest_run(con, "marts.audience_x") == latest_run(con, "raw_shop.customers") == "r7"
    assert {f.relation for f in failed_error_rules(con, "r7")} == {"raw_shop.customers"}, "the landing failure stays"


def test_an_unreadable_relation_fails_its_rules_with_the_reason(tmp_path):
    con = duckdb.connect(str(tmp_path / "empty.duckdb"))
    report = runner.validate_rules(con, table_rules(TABLE), run_id="r6")
    assert report.blocking_failures
    assert all("cannot read raw_shop.customers" in o.error for o in report.outcomes)


@pytest.mark.parametrize(("value", "masked"), [("jane@gmail.com", "j***@g***"), ("4155550134", "4***"), ("", "")])
def test_mask(value, masked):
    assert runner.mask(value) == masked


def test_results_go_back_to_their_own_rule_whatever_order_gx_returns_them(tmp_path):
    import great_expectations as gx

    from expectations.rules import Rule

    con = _warehouse(tmp_path, [(1, "a@b.co", "2025-01-02", "1", "1")])

    def rule(expectation, column):
        return Rule(suite="t", relation="raw_shop.customers", expectation=expectation, severity="error",
                    columns=(column,))

    rules = [rule(gx.expectations.ExpectColumnValuesToBeInSet(column="id", value_set=[1]), "id"),
             rule(gx.expectations.ExpectColumnValuesToMatchRegex(column="email", regex="^[0-9a-f]{64}$"), "email"),
             rule(gx.expectations.ExpectColumnValuesToNotBeNull(column="total"), "total"),
             rule(gx.expectations.ExpectColumnValuesToMatchRegex(column="email", regex="@"), "email")]
    report = runner.validate_rules(con, rules, run_id="r7")
    assert [o.success for o in report.outcomes] == [True, False, True, True]


def test_a_rule_that_may_wait_reports_a_missing_relation_as_not_built(tmp_path):
    import great_expectations as gx

    from expectations.rules import governed_rule

    con = duckdb.connect(str(tmp_path / "empty.duckdb"))
    rule = governed_rule("identity", "marts.dim_customers", gx.expectations.ExpectColumnValuesToNotBeNull(
        column="customer_id"), family="identity.one_row_per_customer", severity="error", columns=("customer_id",),
        description="every profile has a customer_id")
    report = runner.validate_rules(con, [rule], run_id="r8")
    assert report.blocking_failures == [] and report.not_built == ["marts.dim_customers"]
    assert "not built yet" in report.warnings[0]


def test_frames_are_not_fingerprinted_by_gx(tmp_path, monkeypatch):
    """GX hashed every value of every frame (twice per validation) only to name the batch: over half
    of the check step on big tables. The runner turns it off; the results do not depend on it."""
    from great_expectations.execution_engine import pandas_execution_engine

    def refuse(_frame):
        raise AssertionError("GX fingerprinted a frame")

    monkeypatch.setattr(pandas_execution_engine, "hash_pandas_dataframe", refuse)
    con = _warehouse(tmp_path, [(1, "a@b.co", "2025-01-02T03:04:05Z", "1.50", "1"), (1, "x", "y", "z", "1")])
    report = runner.validate_rules(con, table_rules(TABLE), run_id="r7")
    assert all(o.error is None for o in report.outcomes)
    assert len(report.blocking_failures) == 4


def test_every_landing_pattern_runs_in_arrow_and_keeps_its_meaning():
    """pandas leaves Arrow's regex engine for a Python loop over every value when a pattern uses
    Python's white-space or digit classes; the landing patterns spell them out instead."""
    import pandas as pd

    from expectations.landing import DECIMAL_PATTERN, EMAIL_PATTERN, ISO_TIMESTAMP_PATTERN, NON_NEGATIVE_DECIMAL_PATTERN

    values = pd.array(["x"], dtype=pd.StringDtype("pyarrow"))
    patterns = (EMAIL_PATTERN, ISO_TIMESTAMP_PATTERN, DECIMAL_PATTERN, NON_NEGATIVE_DECIMAL_PATTERN)
    assert [values._needs_python_regex(p) for p in patterns] == [False] * 4
    cases = {
        ISO_TIMESTAMP_PATTERN: (["2025-01-02", " 2025-01-02T03:04:05.123+05:30\t", "2025-01-02 03:04Z"],
                                ["yesterday", "2025-1-2", "٢٠٢٥-01-02", "2025-01-02T03"]),
        EMAIL_PATTERN: ([" Jane.Doe@Example.COM ", "a@b.co"], ["not-an-email", "a@b", "a b@c.co"]),
        DECIMAL_PATTERN: (["-1.50", "0", "12"], ["1,5", "1.", "١٢"]),
        NON_NEGATIVE_DECIMAL_PATTERN: (["0", "3.25"], ["-3", "+3"]),
    }
    for pattern, (good, bad) in cases.items():
        frame = pd.Series(good + bad, dtype=pd.StringDtype("pyarrow"))
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=judging.REGEX_GROUPS_WARNING)
            matched = frame.str.contains(pattern)
        assert matched.tolist() == [True] * len(good) + [False] * len(bad), pattern


def test_decimal_and_small_integer_columns_are_judged_as_numbers(tmp_path):
    """DuckDB's decimals arrive as Python objects and its small integers as int32; GX compared those
    value by value in Python. The frames carry doubles and int64, and the range rule still counts."""
    import great_expectations as gx

    from expectations.rules import Rule

    con = duckdb.connect(str(tmp_path / "n.duckdb"))
    con.execute("create table t as select * from (values (1, 2.50::decimal(18, 2), 3::integer), "
                "(2, -0.01::decimal(18, 2), 0::integer), (3, null, null)) as v(id, amount, score)")
    frame = judging.to_frame(next(runner._read_batches(con, "t", ("amount", "score"), None)))
    assert {str(frame[column].dtype) for column in frame} <= {"float64", "int64"}
    rules = [Rule(suite="s", relation="t", severity="error", columns=(column,),
                  expectation=gx.expectations.ExpectColumnValuesToBeBetween(column=column, min_value=low))
             for column, low in (("amount", 0), ("score", 1))]
    report = runner.validate_rules(con, rules, run_id="r8")
    assert [(o.element_count, o.unexpected_count) for o in report.outcomes] == [(3, 1), (3, 1)]


def test_a_uniqueness_rule_over_many_buckets_finds_every_duplicate_and_holds_one_bucket(tmp_path, monkeypatch):
    """A key's duplicates share its hash, so bucket by bucket the rule still judges every row: the
    same counts as the whole table at once, while GX is only ever given a bucket of rows."""
    rows = [(i, None, "2025-01-02", "1", "1") for i in range(1, 1_001)]
    rows += [(7, None, "2025-01-02", "1", "1"), (7, None, "2025-01-02", "1", "1"), (500, None, "2025-01-02", "1", "1"),
             (None, None, "2025-01-02", "1", "1")]
    con = _warehouse(tmp_path, rows)
    rule = next(r for r in table_rules(TABLE) if r.name == "expect_column_values_to_be_unique(id)")
    whole = runner.validate_rules(con, [rule], run_id="whole").outcomes[0]
    frames: list[int] = []
    validate = judging.Validator.validate

    def counted(self, frame, rules, index_columns=()):
        frames.append(len(frame))
        return validate(self, frame, rules, index_columns)

    monkeypatch.setattr(judging.Validator, "validate", counted)
    monkeypatch.setattr(runner, "BUCKET_ROWS", 100)
    bucketed = runner.validate_rules(con, [rule], run_id="bucketed").outcomes[0]
    assert len(frames) == 11 and max(frames) < 200 and sum(frames) == len(rows)
    assert not bucketed.success and bucketed.element_count == whole.element_count == len(rows)
    assert bucketed.unexpected_count == whole.unexpected_count == 5  # three 7s, two 500s
    assert sorted(bucketed.examples) == ["500", "500", "7", "7", "7"]
