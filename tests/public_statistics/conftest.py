"""The shipped example files, as bytes or as a fresh JSON document a test may break."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "polku" / "public_statistics" / "fixtures"
R5, U4 = FIXTURES / "12r5_kainuu_2021.json", FIXTURES / "12u4_kainuu_2021.json"


def document(path: Path) -> dict[str, Any]:
    """A fresh copy of a fixture: a test may change it without touching the others' copy."""
    return json.loads(path.read_text(encoding="utf-8"))


def encode(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode()


def cell_value(doc: dict[str, Any], **codes: str) -> Any:
    """The value at the given category codes, located independently of the parser (row-major strides)."""
    position = 0
    for dimension_id, size in zip(doc["id"], doc["size"], strict=True):
        index = doc["dimension"][dimension_id]["category"]["index"]
        position = position * size + index[codes[dimension_id]]
    return doc["value"][position], position


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[bytes, str], Path]:
    def write(data: bytes, name: str = "taulu.json") -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write
