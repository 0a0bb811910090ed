"""The spreadsheet files the app writes and reads, below the services: every cell written through
``workbook.cells`` (user text never becomes a formula) and every uploaded archive checked by
``workbook.archive`` before it is parsed (no zip bombs)."""
