"""Sensors: vendor files arriving in the landing folder, and alerts for failed runs.

* ``landing_files``: watches ``<CDW_HOME>/landing/`` (files dropped flat or in vendor subfolders,
  the layout ``cdw ingest --source drops`` reads); each new file (by content) starts exactly one
  ``landing_ingest`` run for its vendor, with run key ``path:sha256``. Runs only when automation
  is switched on (``start_automation`` in config/orchestration.yml) or it is started in the UI.
* ``run_failure_alerts``: every failed run in this code location becomes a JSON line under
  ``<CDW_HOME>/alerts/`` naming the failed steps and checks, POSTed to a webhook when configured.
"""

import time

import dagster as dg
from dagster_shared.error import SerializableErrorInfo

from core.contracts import load_contracts
from orchestration.alerts import RunAlert, record_alert
from orchestration.config import OrchestrationConfig, load_config
from orchestration.defs.ingestion import SYSTEM_ASSETS
from orchestration.defs.jobs import LANDING_RUN_CONFIG, landing_ingest_job
from orchestration.landing_files import new_files
from orchestration.resources import WarehouseResource

SYSTEMS = set(load_contracts())


def _status(enabled: bool) -> dg.DefaultSensorStatus:
    return dg.DefaultSensorStatus.RUNNING if enabled else dg.DefaultSensorStatus.STOPPED


def build_landing_sensor(config: OrchestrationConfig) -> dg.SensorDefinition:
    settle_ns = int(config.sensors.landing_settle.total_seconds() * 1e9)

    @dg.sensor(name="landing_files", job=landing_ingest_job,
               minimum_interval_seconds=max(1, int(config.sensors.landing_interval.total_seconds())),
               default_status=_status(config.starts(config.sensors.landing_enabled)),
               description="Starts one ingest run per vendor export file dropped in <CDW_HOME>/landing/ "
                           "(flat or in vendor subfolders).")
    def landing_files(context: dg.SensorEvaluationContext, warehouse: WarehouseResource) -> dg.SensorResult:
        root = warehouse.paths.landing
        found, cursor = new_files(root, SYSTEMS, context.cursor, time.time_ns(), settle_ns)
        requests = [
            dg.RunRequest(
                run_key=new.run_key,
                asset_selection=list(SYSTEM_ASSETS[new.file.system].keys),
                run_config=LANDING_RUN_CONFIG,
                tags={"cdw/landing_file": new.file.relative, "cdw/system": new.file.system,
                      "cdw/sha256": new.sha256[:16]},
            )
            for new in found
        ]
        skip = None if requests else dg.SkipReason(f"no new files in {root}")
        return dg.SensorResult(run_requests=requests, cursor=cursor, skip_reason=skip)

    return landing_files


def _failed_checks(context: dg.RunFailureSensorContext) -> list[dict[str, str]]:
    records = context.instance.get_records_for_run(
        context.dagster_run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION).records
    failed = []
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        if not evaluation.passed:
            failed.append({"asset": evaluation.asset_key.to_user_string(), "check": evaluation.check_name,
                           "severity": evaluation.severity.value,
                           "description": evaluation.description or ""})
    return failed


def _root_cause(error: SerializableErrorInfo | None) -> str:
    """The innermost error message ("vendor API answered 503"), not Dagster's wrapper around it."""
    if error is None:
        return ""
    while error.cause is not None:
        error = error.cause
    return error.message.strip()[:500]


def build_run_failure_sensor(config: OrchestrationConfig) -> dg.SensorDefinition:
    @dg.run_failure_sensor(name="run_failure_alerts", default_status=_status(config.sensors.run_failure_enabled),
                           description="Records an alert (JSON lines under <CDW_HOME>/alerts/) for every failed run "
                                       f"and POSTs it to ${config.alerts.webhook_url_env} when set.")
    def run_failure_alerts(context: dg.RunFailureSensorContext, warehouse: WarehouseResource) -> None:
        run = context.dagster_run
        steps = [{"step": event.step_key or "", "error": _root_cause(event.step_failure_data.error)}
                 for event in context.get_step_failure_events()]
        alert = RunAlert(run_id=run.run_id, job_name=run.job_name,
                         error=(context.failure_event.message or "run failed")[:500], failed_steps=steps,
                         failed_checks=_failed_checks(context),
                         tags={k: v for k, v in run.tags.items() if not k.startswith("dagster/op_selection")})
        target = record_alert(alert, warehouse.paths.home / config.alerts.directory, config.alerts.webhook_url())
        context.log.info("alert for run %s written to %s (webhook: %s)", run.run_id, target, alert.webhook)

    return run_failure_alerts


CONFIG = load_config()
defs = dg.Definitions(sensors=[build_landing_sensor(CONFIG), build_run_failure_sensor(CONFIG)])
