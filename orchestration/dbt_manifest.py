"""Keep the dbt manifest Dagster loads in step with the dbt project.

dagster-dbt reads ``manifest.json`` when the definitions load, and ``dbt build`` then reports on the
project as it is on disk: a model or seed added since the last parse would be unknown to Dagster
and fail the run. So the manifest is re-parsed whenever a file of the project is newer than it,
into a temporary folder and moved into place, so a concurrent reader never sees half a file. If
the project does not parse (someone's work in progress), the last good manifest is kept.
"""

import logging
import os
import shutil
import tempfile
from pathlib import Path

from core.dbt import DbtError, run_dbt
from core.dbt_parse import newest_project_change
from core.settings import get_paths

log = logging.getLogger(__name__)


def ensure_manifest(manifest_path: Path) -> Path:
    """``manifest_path``, parsed again first if missing or older than the project."""
    if manifest_path.exists() and manifest_path.stat().st_mtime >= newest_project_change():
        return manifest_path
    manifest_path.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="parse-", dir=manifest_path.parent))
    try:
        run_dbt(get_paths(), ["parse"], target_path=scratch)
        os.replace(scratch / "manifest.json", manifest_path)
    except (DbtError, FileNotFoundError) as exc:
        if not manifest_path.exists():
            raise
        log.warning("dbt parse failed, keeping the last good manifest: %s", exc)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return manifest_path
