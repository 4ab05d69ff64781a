"""Queries over the data, compiled into one SQL statement that builds the answer's JSON."""
