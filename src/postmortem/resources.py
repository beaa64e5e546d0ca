"""Where the built-in question sets and report templates live."""

from __future__ import annotations

from pathlib import Path


def templates_dir() -> Path:
    """The `templates/` folder: inside the installed wheel, or at the top of a checkout."""
    packaged = Path(__file__).parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "templates"
