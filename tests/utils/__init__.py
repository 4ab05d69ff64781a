"""Helpers the test modules share, each written once: here the dataset file as data and
GraphQL response checks; live.py real servers, waits and apps for synchronous callers;
db_dump.py every row of a database; restartable_postgres.py a server a test can stop."""

import base64
import functools
import json
from pathlib import Path
from typing import Any

import yaml

DATASET = Path(__file__).resolve().parent.parent.parent / "seed" / "partners.yaml"


@functools.cache
def dataset() -> dict[str, Any]:
    """seed/partners.yaml as plain data: the expectations tests derive their answers from."""
    data: dict[str, Any] = yaml.safe_load(DATASET.read_text(encoding="utf-8"))
    return data


def scope(slug: str) -> set[str]:
    """The organization and its units (children by `parent`)."""
    return {slug} | {o["slug"] for o in dataset()["organizations"] if o.get("parent") == slug}


# An initiative's fields that link organizations, and the role each gives.
ROLE_FIELDS = (("organizations", "ORGANIZER"), ("hosts", "HOST"), ("recipients", "RECIPIENT"))


def participants(initiative: dict[str, Any]) -> list[dict[str, str]]:
    """Every organization an initiative record links, with its role, in the API's order."""
    return [
        {"slug": slug, "role": role}
        for field, role in ROLE_FIELDS
        for slug in initiative.get(field, [])
    ]


def involved(initiative: dict[str, Any]) -> set[str]:
    """The slugs of the organizations an initiative record links, in any role."""
    return {p["slug"] for p in participants(initiative)}


def ok(body: dict[str, Any]) -> dict[str, Any]:
    """The data of a response that must have no errors."""
    assert "errors" not in body, body["errors"]
    data: dict[str, Any] = body["data"]
    return data


def bad_user_input(body: dict[str, Any], path: str | None = None) -> str:
    """The message of a response refused with exactly one BAD_USER_INPUT error (at the root
    field `path`, when given)."""
    errors = bad_user_inputs(body)
    assert len(errors) == 1, errors
    if path is not None:
        assert errors[0]["path"] == [path], errors
    message: str = errors[0]["message"]
    return message


def bad_user_inputs(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The errors of a response refused with BAD_USER_INPUT (each error; at least one), none
    masked as an internal error, and no answer for a field an error refused."""
    errors: list[dict[str, Any]] = body.get("errors") or []
    assert errors, body
    assert all(e.get("extensions", {}).get("code") == "BAD_USER_INPUT" for e in errors), errors
    assert "Internal server error" not in json.dumps(errors), errors
    for error in errors:
        root = error.get("path", [None])[0]
        assert body["data"] is None or body["data"].get(root) is None, body
    return errors


def global_id(text: str) -> str:
    """base64url without padding, the way the service writes its IDs and cursors."""
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
