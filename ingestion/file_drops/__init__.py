"""File drops: vendors' own export files, dropped in a folder, loaded into the raw tables.

``load_drops(drop_dir, warehouse, pipelines_dir)`` detects each file's format (Shopify customers
and orders exports, Amazon's All Orders Report, Klaviyo's profiles export, Zendesk's tickets
export as CSV or JSON), converts it to the contract tables of its vendor and loads it with the
same loader as the API and demo paths (:func:`ingestion.load.load_landing`). See ``README.md``.
"""

from __future__ import annotations

from ingestion.file_drops.detect import Detection, detect
from ingestion.file_drops.formats import FORMATS, ExportFormat, get_format
from ingestion.file_drops.load import DroppedFile, DropResult, SkippedFile, load_drops
from ingestion.file_drops.processed import QUALIFIED as PROCESSED_FILES_TABLE
from ingestion.file_drops.processed import ProcessedFile, processed_files

__all__ = [
    "FORMATS",
    "PROCESSED_FILES_TABLE",
    "Detection",
    "DropResult",
    "DroppedFile",
    "ExportFormat",
    "ProcessedFile",
    "SkippedFile",
    "detect",
    "get_format",
    "load_drops",
    "processed_files",
]
