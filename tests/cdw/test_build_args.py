"""The dbt arguments both front ends use: selection and exclusion travel as one argument each.

dagster-dbt, when Dagster runs a subset of a dbt multi-asset in one step (the seeds before the demo
files exist, the models after the CLV fit), replaces the `--select`/`--exclude` value that follows
the flag; a second value would be left behind as a stray positional argument and dbt would refuse
the whole command (found by the in-process materialization test).
"""

from __future__ import annotations

import json

from cdw.context import make_context
from cdw.steps.build import AFTER_STEPS, build_args


def _value(args: list[str], flag: str) -> str:
    at = args.index(flag)
    assert at + 2 >= len(args) or args[at + 2].startswith("--"), f"{flag} takes one argument: {args}"
    return args[at + 1]


def test_each_phase_passes_one_selection_and_one_exclusion(tmp_path):
    ctx = make_context(home=tmp_path, source="drops", as_of="2024-06-30", selection="+fct_orders +dim_customers")
    before = build_args(ctx, "before_clv")
    assert json.loads(_value(before, "--vars")) == {"as_of": "2024-06-30 23:59:59.999999"}
    assert _value(before, "--select") == "+fct_orders +dim_customers"
    assert _value(before, "--exclude").split() == list(AFTER_STEPS)
    after = build_args(ctx, "after_clv")
    assert _value(after, "--select").split() == [f"{t},{a}" for t in ("+fct_orders", "+dim_customers")
                                                 for a in AFTER_STEPS]
    assert "--exclude" not in after
    assert _value(after, "--exclude-resource-type") == "unit_test"
    assert "--exclude-resource-type" not in build_args(ctx, unit_tests=True)
