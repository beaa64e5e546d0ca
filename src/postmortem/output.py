"""What the listing commands print (actions, remind, history): an aligned text table for the
terminal, or CSV for a spreadsheet. Participants' text is made plain for the one and safe from
formulas for the other (escape.py)."""

from __future__ import annotations

from typing import Any


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else ""
    return "" if value is None else str(value)


def _csv_cell(value: Any) -> str:
    """Text from a record is never a formula (escape.spreadsheet); our own dates, numbers and flags stay as they are."""
    from postmortem.escape import spreadsheet

    if isinstance(value, str):
        return spreadsheet(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return _cell(value)


def to_csv(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> str:
    """rows as CSV with a header line, in columns' order; see _csv_cell."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row[c]) for c in columns])
    return out.getvalue()


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def table(rows: list[dict[str, Any]], columns: list[tuple[str, str, int]]) -> str:
    """An aligned plain-text table: columns are (key, heading, widest); participants' text is made
    plain (no escape sequences, one line) and long cells are clipped."""
    from postmortem.escape import align, plain

    cells = [[clip(plain(_cell(row[key])), widest) for key, _, widest in columns] for row in rows]
    return "".join(line + "\n" for line in align([[heading for _, heading, _ in columns], *cells]))
