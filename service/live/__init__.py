"""Live updates: the audit trail's entries and live queries' answers pushed to subscribers
the moment a change commits, on every replica. One task per process follows the dataset
revision (service/data/revision.py: PostgreSQL's NOTIFY, SQLite's data_version) and, on
each move, reads the new entries once and re-runs each distinct live query once."""
