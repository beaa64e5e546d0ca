"""The committed examples are exactly what the tool produces from their answers."""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path

import pytest

from conftest import REPO

spec = importlib.util.spec_from_file_location("regenerate", REPO / "examples" / "regenerate.py")
regenerate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(regenerate)


def test_there_is_the_worked_example() -> None:
    names = [e.name for e in regenerate.examples()]
    assert "colorado-office" in names
    answers = sorted(p.stem for p in (REPO / "examples/colorado-office/answers").glob("*.toml"))
    assert len(answers) == 5


@pytest.mark.parametrize("example", regenerate.examples(), ids=lambda p: p.name)
def test_example_matches_what_the_tool_generates(example: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        regenerate.build(example, Path(tmp))
        assert regenerate.differences(example, Path(tmp)) == [], "run: python examples/regenerate.py"


def test_drift_is_detected(tmp_path: Path) -> None:
    example = REPO / "examples" / "colorado-office"
    regenerate.build(example, tmp_path)
    report = tmp_path / "report.md"
    report.write_text(report.read_text(encoding="utf-8") + "edited\n", encoding="utf-8")
    assert regenerate.differences(example, tmp_path) == ["report.md"]
