"""Helpers the test modules share: the dataset file as data, and GraphQL response checks."""

import base64
import functools
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


def ok(body: dict[str, Any]) -> dict[str, Any]:
    """The data of a response that must have no errors."""
    assert "errors" not in body, body["errors"]
    data: dict[str, Any] = body["data"]
    return data


def global_id(text: str) -> str:
    """base64url without padding, the way the service writes its IDs and cursors."""
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
