"""The report: a record rendered to Markdown through Jinja2 templates under templates/reports."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from postmortem import escape
from postmortem.errors import PostmortemError
from postmortem.resources import templates_dir

BAR_WIDTH = 20


def reports_dir() -> Path:
    return templates_dir() / "reports"


def _finalize(value: Any) -> Any:
    """Every {{ value }} in a template is escaped here, so no template can forget it."""
    from markupsafe import Markup

    if isinstance(value, Markup) or isinstance(value, (int, float, dt.date)) and not isinstance(value, bool):
        return value
    if value is None:
        return ""
    return escape.markdown(str(value))


def _bar(count: int, largest: int) -> Any:
    from markupsafe import Markup

    width = round(BAR_WIDTH * count / largest) if largest else 0
    return Markup("█" * width)


def _raised_by(entry: dict[str, Any]) -> str:
    names = entry.get("raised_by") or []
    count = entry.get("count", len(names))
    if not names:
        return f"{count} {'person' if count == 1 else 'people'}" if count else "—"
    return ", ".join(names)


def _item_line(entry: Any) -> str:
    if isinstance(entry, str):
        return entry
    details = [f"{key}: {value}" for key, value in entry.items() if key != "text"]
    return entry.get("text", "") + (f" ({'; '.join(details)})" if details else "")


def _scores_line(entry: dict[str, Any], section: dict[str, Any]) -> str:
    key = next((k for k in entry if k not in section.get("dimensions", [])), "")
    scores = ", ".join(f"{d.replace('_', ' ')} {entry[d]}" for d in section.get("dimensions", []) if d in entry)
    return f"{entry.get(key, '')}: {scores}"


def environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(reports_dir()),
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters.update(bar=_bar, raised_by=_raised_by, item_line=_item_line, scores_line=_scores_line)
    return env


def template_for(record: dict[str, Any]) -> str:
    name = f"{record.get('format', '')}.md.j2"
    return name if (reports_dir() / name).is_file() else "base.md.j2"


def render_markdown(record: dict[str, Any], template: str | None = None) -> str:
    import jinja2

    env = environment()
    context = {"summary": "", "notes": "", "participants": [], "responses": [], "title": "", **record}
    try:
        text = env.get_template(template or template_for(record)).render(context)
    except jinja2.TemplateSyntaxError as err:
        raise PostmortemError(f"template error: {err.message}", path=err.filename or err.name, line=err.lineno) from None
    except jinja2.TemplateError as err:
        raise PostmortemError(f"template error: {err}", path=template or template_for(record)) from None
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
