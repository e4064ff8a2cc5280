"""File drops: vendors' own export files, dropped in a folder, loaded into the raw tables.

``load_drops(drop_dir, warehouse, pipelines_dir)`` detects each file's format (Shopify customers,
orders and products exports, Amazon's All Orders, Fulfilled Shipments and FBA customer returns
reports, Klaviyo's profiles export, Zendesk's tickets export as CSV or JSON), converts it to the
contract tables of its vendor and loads it with the same loader as the API and demo paths
(:func:`ingestion.load.load_landing`); rejected files move to ``<landing>/rejected/`` with their
reason. See ``README.md``.
"""

from __future__ import annotations

from ingestion.file_drops.detect import Detection, detect
from ingestion.file_drops.discover import REJECTED_DIR, drop_files, owner_system
from ingestion.file_drops.formats import FORMATS, ExportFormat, get_format
from ingestion.file_drops.load import load_drops
from ingestion.file_drops.processed import QUALIFIED as PROCESSED_FILES_TABLE
from ingestion.file_drops.processed import ProcessedFile, processed_files
from ingestion.file_drops.rejected import rejected_files
from ingestion.file_drops.result import DroppedFile, DropResult, RejectedFile, SkippedFile

__all__ = [
    "FORMATS",
    "PROCESSED_FILES_TABLE",
    "REJECTED_DIR",
    "Detection",
    "DropResult",
    "DroppedFile",
    "ExportFormat",
    "ProcessedFile",
    "RejectedFile",
    "SkippedFile",
    "detect",
    "drop_files",
    "get_format",
    "load_drops",
    "owner_system",
    "processed_files",
    "rejected_files",
]
