"""Exports: documents written from the workbench's data (decision records, ...)."""
