"""File I/O: output folders written atomically, user tables read and checked, published
folders read back. Imports nothing above it.

The modules inside are private; import from ``earlywarn.io``.
"""

from __future__ import annotations

from earlywarn.io._files import (
    FORMULA_PREFIXES,
    default_out_dir,
    file_sha256,
    frame_sha256,
    project_root,
    read_csv_table,
    read_events_table,
    read_list_text,
    read_neighbours,
    read_published_list,
    read_soft_notes,
    read_tables,
    runs_dir,
    safe_for_spreadsheet,
    spreadsheet_csv,
    user_data_dir,
    write_data_files,
    write_output_folder,
)
from earlywarn.io._partials import fault_point, hold_point, partial_prefix, remove_stale_partials
from earlywarn.io._paths import check_data_folder, check_output_location, nearest_existing
from earlywarn.io._readback import (
    decode_text,
    read_reasons_json,
    validate_published_list,
)

__all__ = [
    "check_data_folder",
    "check_output_location",
    "fault_point",
    "hold_point",
    "nearest_existing",
    "partial_prefix",
    "remove_stale_partials",
    "FORMULA_PREFIXES",
    "default_out_dir",
    "file_sha256",
    "frame_sha256",
    "project_root",
    "read_csv_table",
    "read_events_table",
    "read_list_text",
    "read_neighbours",
    "read_published_list",
    "read_soft_notes",
    "read_tables",
    "runs_dir",
    "safe_for_spreadsheet",
    "spreadsheet_csv",
    "user_data_dir",
    "write_data_files",
    "write_output_folder",
    "decode_text",
    "read_reasons_json",
    "validate_published_list",
]
