from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from postmortem import store
from postmortem.cli import app

REPO = Path(__file__).resolve().parents[1]


class Cli:
    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None):
        return self.runner.invoke(app, [str(a) for a in args], input=input, catch_exceptions=False)


@pytest.fixture
def cli() -> Cli:
    return Cli()


def write_answers(folder: Path, name: str, answers: dict[str, Any], **extra: Any) -> Path:
    path = folder / f"answers-{len(list(folder.glob('answers-*')))}.toml"
    path.write_text(store.dumps({"name": name, **extra, "answers": answers}), encoding="utf-8")
    return path


def read(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))
