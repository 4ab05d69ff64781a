"""Editing the directory through the API: each mutation is one transaction that checks the
record's version, validates the record as the loader would, writes it with the loader's own
writes, refreshes what derives from it and appends its audit entry (transaction.py)."""
