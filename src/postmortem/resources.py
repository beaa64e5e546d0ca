"""Where the built-in question sets and report templates live."""

from __future__ import annotations

import os
from pathlib import Path

CONFIG_ENV = "POSTMORTEM_CONFIG_DIR"


def templates_dir() -> Path:
    """The `templates/` folder: inside the installed wheel, or at the top of a checkout."""
    packaged = Path(__file__).parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "templates"


def user_dir() -> Path:
    """The user's own question sets and report templates: $POSTMORTEM_CONFIG_DIR, or the
    platform's config folder (~/.config/postmortem on Linux)."""
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    import platformdirs

    return Path(platformdirs.user_config_dir("postmortem", appauthor=False))


def user_sets_dir() -> Path:
    """The user's own question sets."""
    return user_dir() / "formats"


def user_reports_dir() -> Path:
    return user_dir() / "reports"
