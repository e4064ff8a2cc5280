"""GX Data Docs: a static site of every suite and every run's results, under ``<CDW_HOME>/data_docs``.

Validation runs chunk by chunk on an ephemeral context, so each rule's result is a sum over
chunks. Here those sums become one GX validation result per suite and run, stored in a file
context (``<CDW_HOME>/gx``) whose Data Docs site is rebuilt: open ``data_docs/index.html``. Only
the most recent runs are kept (``KEEP_RUNS``). Examples are the masked ones the runner kept.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import html
import logging
import os
import shutil
from collections import defaultdict
from pathlib import Path

from core.dictionary import load_dictionary
from expectations.offline_docs import make_offline
from expectations.runner import CheckReport, RuleOutcome

KEEP_RUNS = 10
SITE_NAME = "local_site"
BATCH_NAME = "build_warehouse"


def _quiet() -> None:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    for name in ("great_expectations", "great_expectations.data_context"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _context(home: Path):
    import great_expectations as gx

    context = gx.get_context(mode="file", project_root_dir=str(home))
    site = {"class_name": "SiteBuilder", "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                              "base_directory": str(home / "data_docs")},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"}}
    if context.variables.data_docs_sites != {SITE_NAME: site}:
        context.variables.data_docs_sites = {SITE_NAME: site}
        context.variables.save()
    return context


@functools.lru_cache(maxsize=256)
def _owner(relation: str) -> str:
    """The relation's owner from the data dictionary ("Orders owner (team:orders)"), or "" when none."""
    schema, _, name = relation.partition(".")
    dictionary = load_dictionary()
    steward = dictionary.steward_for(name) or dictionary.steward_for(f"{schema}/{name}")
    return f"{steward.title} ({steward.owner})" if steward else ""


def _expectation(outcome: RuleOutcome):
    """The rule's expectation with its relation, severity, owner and reason as Data Docs notes."""
    expectation = copy.deepcopy(outcome.rule.expectation)
    rule = outcome.rule
    owner = _owner(rule.relation)
    blocks = "blocks publishing" if rule.severity == "error" else "reported only"
    notes = [f"**{rule.relation}**: severity **{rule.severity}** ({blocks})" + (f"; owner: {owner}" if owner else "")]
    if rule.description:
        notes.append(rule.description)
    if outcome.error:
        notes.append(f"error: {outcome.error}")
    expectation.meta = {**(expectation.meta or {}), "relation": rule.relation, "severity": rule.severity,
                        "owner": owner,
                        "notes": {"format": "markdown", "content": notes}}
    return expectation


def _result(outcome: RuleOutcome, configuration):
    from great_expectations.core import ExpectationValidationResult

    element, unexpected = outcome.element_count, outcome.unexpected_count
    percent = 100.0 * unexpected / element if element else 0.0
    result = {"element_count": element, "unexpected_count": unexpected, "unexpected_percent": percent,
              "unexpected_percent_total": percent, "unexpected_percent_nonmissing": percent,
              "missing_count": 0, "missing_percent": 0.0,
              "partial_unexpected_list": list(outcome.examples),
              "partial_unexpected_counts": [{"value": e, "count": 1} for e in outcome.examples]}
    if outcome.observed_value is not None:
        result["observed_value"] = outcome.observed_value
    exception = {"raised_exception": bool(outcome.error) and not outcome.not_built,
                 "exception_message": outcome.error, "exception_traceback": None}
    return ExpectationValidationResult(success=outcome.success, expectation_config=configuration, result=result,
                                       exception_info=exception)


def _prune(context, home: Path) -> None:
    """Keep the newest KEEP_RUNS runs: older results leave the store and their pages the site."""
    store = context.validation_results_store
    keys = store.list_keys()
    runs = sorted({k.run_id.run_name for k in keys})
    old = set(runs[:-KEEP_RUNS])
    if not old:
        return
    for key in keys:
        if key.run_id.run_name in old:
            store.remove_key(key)
    pages = home / "data_docs" / "validations"
    for folder in sorted(pages.rglob("*"), reverse=True) if pages.exists() else []:
        if folder.is_dir() and folder.name in old:
            shutil.rmtree(folder, ignore_errors=True)


def _banner(relation: str, outcomes: list[RuleOutcome]) -> str:
    """What GX's pages leave out: each rule's severity (error blocks publishing) and the relation's owner."""
    owner = html.escape(_owner(relation) or "no owner in the data dictionary")
    rows = "".join(
        f"<tr><td>{html.escape(o.rule.family)}</td><td><b>{o.rule.severity}</b></td>"
        f"<td>{'passed' if o.success else 'failed'}</td><td>{html.escape(o.rule.description or '')}</td></tr>"
        for o in outcomes)
    return (f'<div class="container-fluid cdw-rules" style="margin:1em 0"><div class="alert alert-info">'
            f"<b>{html.escape(relation)}</b> &mdash; owner: <b>{owner}</b>. Severity <b>error</b> blocks "
            f"publishing; <b>warn</b> is reported only.</div><table class=\"table table-sm\"><thead><tr>"
            f"<th>rule</th><th>severity</th><th>outcome</th><th>why</th></tr></thead><tbody>{rows}</tbody>"
            "</table></div>")


def _annotate(site: Path, report: CheckReport) -> None:
    """Put the severity and owner banner at the top of this run's validation pages."""
    by_page: dict[tuple[str, str], list[RuleOutcome]] = defaultdict(list)
    for outcome in report.outcomes:
        by_page[(outcome.rule.suite, outcome.rule.relation)].append(outcome)
    for (suite, relation), outcomes in by_page.items():
        for page in (site / "validations" / suite / report.run_id).glob(f"*/{relation}.html"):
            text = page.read_text()
            if "cdw-rules" not in text:
                page.write_text(text.replace("<body>", "<body>" + _banner(relation, outcomes), 1))


def _replace_suite(context, suite) -> None:
    """Store ``suite`` in place of the stored suite of its name.

    Not ``add_or_update``: to keep ids stable it looks every new expectation up in the stored suite
    with GX's equality, which converts both to dicts, so a suite costs the square of its rules (1.4 s
    for the 141 rules of ``dictionary``, about half of the data docs at 20,000 customers); and since
    that equality includes the id, which a freshly built expectation lacks, it never found one.
    """
    from great_expectations.exceptions import DataContextError

    with contextlib.suppress(DataContextError):  # a first run: nothing stored yet
        context.suites.delete(suite.name)
    context.suites.add(suite)


def build_data_docs(report: CheckReport, home: Path) -> Path:
    """Store ``report`` as GX validation results and rebuild the site; returns its index.html."""
    _quiet()
    import great_expectations as gx
    from great_expectations.core import ExpectationSuiteValidationResult
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    context = _context(home)
    by_suite: dict[str, list[RuleOutcome]] = defaultdict(list)
    for outcome in report.outcomes:
        by_suite[outcome.rule.suite].append(outcome)
    run_id = RunIdentifier(run_name=report.run_id)
    built: list = []
    for suite_name, outcomes in sorted(by_suite.items()):
        expectations = [_expectation(o) for o in outcomes]
        _replace_suite(context, gx.ExpectationSuite(name=suite_name, expectations=expectations))
        by_relation: dict[str, list[tuple[RuleOutcome, object]]] = defaultdict(list)
        for outcome, expectation in zip(outcomes, expectations, strict=True):
            by_relation[outcome.rule.relation].append((outcome, expectation))
        for relation, pairs in sorted(by_relation.items()):
            results = [_result(o, e.configuration) for o, e in pairs]
            passed = sum(o.success for o, _ in pairs)
            validation = ExpectationSuiteValidationResult(
                success=all(o.success or o.rule.severity == "warn" for o, _ in pairs), results=results,
                suite_name=suite_name,
                statistics={"evaluated_expectations": len(pairs), "successful_expectations": passed,
                            "unsuccessful_expectations": len(pairs) - passed,
                            "success_percent": 100.0 * passed / len(pairs)},
                meta={"run_id": run_id, "active_batch_definition": {
                    "datasource_name": BATCH_NAME, "data_connector_name": "pandas_frames",
                    "data_asset_name": relation, "batch_identifiers": {}}})
            key = ValidationResultIdentifier(ExpectationSuiteIdentifier(name=suite_name), run_id, relation)
            context.validation_results_store.set(key, validation)
            built.append(key)
    _prune(context, home)
    suites = [ExpectationSuiteIdentifier(name=name) for name in sorted(by_suite)]
    context.build_data_docs(site_names=[SITE_NAME], resource_identifiers=[*suites, *built])
    _annotate(home / "data_docs", report)
    make_offline(home / "data_docs")  # CDN assets served from the site: it renders with no network
    return home / "data_docs" / "index.html"
