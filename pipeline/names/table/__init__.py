"""The name table (names.csv): built from the runs' name records (name_table), written and read
back for spreadsheets by one writer and one reader (spreadsheet)."""

from pipeline.names.table.name_table import DISCOVERED, NATIVE_UNSURE, NameTable, regroup_mentions, review_status

__all__ = ["DISCOVERED", "NATIVE_UNSURE", "NameTable", "regroup_mentions", "review_status"]
