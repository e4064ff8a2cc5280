"""The check step: every Great Expectations suite on the build warehouse, results stored and rendered.

The command line (``cdw check``, ``cdw run``) and the Dagster governance and landing checks call
:func:`check`; :func:`governance_rules` is the one place that puts the suites together with what
they need from other capabilities (the outgoing syncs, described from the activation settings).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import duckdb

from activation import ActivationConfig, ConfigError
from activation import load_config as load_activation_config
from activation.consent import consent_column
from activation.destinations import REGISTRY
from cdw.context import RunContext
from core.duckdb_files import connect_warehouse
from expectations.audience import AudienceSync
from expectations.rules import Rule
from expectations.runner import CheckReport, store_report, validate_rules
from expectations.suites import build_rules

log = logging.getLogger(__name__)


def audience_syncs(config: ActivationConfig | None = None) -> list[AudienceSync]:
    """Every configured outgoing sync, as the audience suite needs it (none when activation is not set up)."""
    if config is None:
        try:
            config = load_activation_config()
        except ConfigError:
            return []
    syncs = []
    for sync in config.syncs.values():
        destination = config.destination_for(sync)
        kind = REGISTRY[destination.type]
        syncs.append(AudienceSync(
            name=sync.name, relation=sync.relation, destination=destination.name, destination_type=destination.type,
            consent_column=consent_column(sync.consent), mode=sync.mode,
            remove_on_consent_loss=sync.remove_on_consent_loss, is_trigger=sync.is_trigger,
            hashed_only=not kind.supports_fields, identity_columns=tuple(kind.identity_columns),
            field_columns=tuple(f.column for f in sync.fields)))
    return syncs


def governance_rules(con: duckdb.DuckDBPyConnection, suites: Iterable[str] | None = None,
                     relations: Iterable[str] | None = None) -> list[Rule]:
    """The rules of ``suites`` (default: all), optionally only those about ``relations``."""
    rules = build_rules(con, suites, audience_syncs=audience_syncs())
    if relations is None:
        return rules
    wanted = {relation.lower() for relation in relations}
    return [rule for rule in rules if rule.relation.lower() in wanted]


def check(ctx: RunContext, suites: Iterable[str] | None = None, relations: Iterable[str] | None = None,
          data_docs: bool = True) -> CheckReport:
    """Run the suites (or ``suites``; only rules about ``relations`` when given) on the build warehouse.

    Results go to ``audit.validation_results``; the GX Data Docs site under ``<home>/data_docs`` is
    rebuilt (a failure to render it is logged, never fatal: the results are already stored).
    """
    con = connect_warehouse(ctx.paths.build_db)
    try:
        report = validate_rules(con, governance_rules(con, suites, relations), ctx.run_id)
        store_report(con, report)
    finally:
        con.close()
    if data_docs:
        from expectations.data_docs import build_data_docs

        try:
            report.data_docs = build_data_docs(report, ctx.paths.home)
        except Exception as exc:  # rendering is a convenience; the stored results are the record
            log.warning("GX Data Docs not built: %s", exc)
    return report
