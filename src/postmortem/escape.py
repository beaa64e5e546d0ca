"""Participants' text as data, one function per place it lands: Markdown (`markdown`), a terminal
(`terminal` for everything printed, `plain` for one line), JSON (`to_json`), a spreadsheet cell
(`spreadsheet`), a shell word (`shell`), a link target in Markdown (`url`), a Mermaid node label
(`mermaid_label`).

Markdown, for CommonMark (GitHub, GitLab) and Python-Markdown (MkDocs), escaped only where a
character would change the structure where it lands, so the source (shown in wiki diffs and editors)
reads like what was typed:

- everywhere: invisible format characters (zero-width, bidi overrides) and control characters are
  dropped; runs of blank lines are one line break; each line of a value is escaped as a value
  (its start can never begin a block), and a line after a line break never underlines the one
  before it into a heading (a leading `=` as `&#61;`);
- inline: a character is escaped only where it could start markup: `*`, `_` and `~` unless they
  stand between spaces (or `_` inside a word), `` ` `` and `{` always, `[` at the start or before `^`, and
  `]` before `(`, `[` or `:` (no link, image, task box, footnote or reference can form), `<` before a
  letter, `/`, `!` or `?` (no HTML, comment or autolink), `&` before what reads as a character
  reference, a backslash before punctuation or at the end;
- at a line's start: a value never begins a heading, list, quote, rule or fence, nor the blocks of
  the extensions MkDocs sites run (`!!!` admonition, `???` details, `:` definition);
- in a table cell: `|` is backslash-escaped (both implementations take it), and only there (`markdown_cell`; between a link's
  brackets every bracket too, `markdown_link_text`);
  a template does not say where a value lands, so `markdown_deferred` leaves each `|` and each line
  break for `place` to put once the page is laid out;
- a line break: in a table row `<br>`; in a heading a space; in a list item, a paragraph or a quote a
  hard line break (two trailing spaces, which both implementations take) with the next line indented
  under the item (or quoted); in `markdown`, `markdown_cell` and `markdown_link_text`, whose callers
  want one line, a space.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from typing import Any

_LINE_BREAKS = re.compile(r"[\r\n\v\f\x85\u2028\u2029]+")
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_BLOCK_START = re.compile(r"^(#+|[-+!>]|(\d+)([.)])(?=\s|$)|[?:])")
# Python-Markdown takes no backslash before these, so they start a value as character references.
_NO_BACKSLASH = {"?": "&#63;", ":": "&#58;"}
_INLINE = re.compile(r"[\\`*_~{\[\]<&|]")
_CHARACTER_REFERENCE = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_DEFERRED_BAR = "\x00"  # a value's `|`, until place knows whether it is in a table (plain() drops NUL from values)
_TABLE_BAR = "\\|"
_DEFERRED_BREAK = "\x01"  # a value's line break, until place knows what it landed in (plain() drops SOH from values)


def _visible(char: str) -> bool:
    category = unicodedata.category(char)
    return not (category == "Cf" or (category == "Cc" and char != "\t"))


# The same two steps in one str.translate each (a report escapes every value it shows, so this is hot):
# ASCII line breaks and tabs become spaces, ASCII control characters go; markup characters are escaped.
_ASCII_PLAIN = {**{c: " " for c in (9, 10, 11, 12, 13)}, **{c: None for c in (*range(0, 9), *range(14, 32), 127)}}
# Most values need neither: ASCII without control or markup characters, doubled, leading or trailing spaces.
_PLAIN_WORK = re.compile(r"[\x00-\x1f\x7f]|  |^ | $")
_MARKDOWN_WORK = re.compile(r"[\x00-\x1f\x7f\\`*_{\[\]&<~|]|  |^ | $")


def plain(value: str) -> str:
    """value on one line, without invisible characters, with runs of whitespace collapsed."""
    if value.isascii():
        return " ".join(value.translate(_ASCII_PLAIN).split()) if _PLAIN_WORK.search(value) else value
    folded = _LINE_BREAKS.sub(" ", value)
    if folded.isascii():
        visible = _ASCII_CONTROL.sub("", folded)
    else:
        visible = "".join(c for c in folded if _visible(c))
    return " ".join(visible.replace("\t", " ").split())


def _inline(match: re.Match[str]) -> str:
    char, at, text = match.group(), match.start(), match.string
    before, after = text[at - 1 : at], text[at + 1 : at + 2]
    spaced = before.isspace() and after.isspace()
    if char in "*~":
        return char if spaced else ("\\*" if char == "*" else "&#126;")  # Python-Markdown takes no \\~
    if char == "_":
        return char if spaced or (before.isalnum() and after.isalnum()) else "\\_"
    if char == "\\":
        return "\\\\" if not after or after in _PUNCTUATION else char
    if char == "[":  # at the start: a task box, "[TOC]"; before ^: a footnote (Python-Markdown takes "[^1\\]:" too)
        return "\\[" if at == 0 or after == "^" else char
    if char == "]":
        return "\\]" if after in ("", "(", "[", ":") else char
    if char == "<":
        return "&lt;" if not after or after.isalpha() or after in "/!?" else char
    if char == "&":
        return "&amp;" if _CHARACTER_REFERENCE.match(text, at) else char
    if char == "|":
        return _DEFERRED_BAR
    return "\\" + char  # ` and {


def _link_text(match: re.Match[str]) -> str:
    return "\\" + match.group() if match.group() in "[]" else _inline(match)


def markdown(value: str) -> str:
    """value as Markdown inline text on one line that renders exactly as typed, outside a table."""
    return _markdown(value).replace(_DEFERRED_BAR, "|").replace(_DEFERRED_BREAK, " ")


def markdown_cell(value: str) -> str:
    """value as the text of a Markdown table cell on one line that renders exactly as typed."""
    return _markdown(value).replace(_DEFERRED_BAR, _TABLE_BAR).replace(_DEFERRED_BREAK, " ")


def markdown_link_text(value: str) -> str:
    """value as the text between a link's brackets, in a table cell or anywhere else: every bracket escaped."""
    return _markdown(value, _link_text).replace(_DEFERRED_BAR, _TABLE_BAR).replace(_DEFERRED_BREAK, " ")


def markdown_deferred(value: str) -> str:
    """value, its line breaks kept, as place makes it where it landed: in a table or out, in a list item,
    a paragraph or a heading."""
    return _markdown(value)


def _markdown(value: str, inline: Callable[[re.Match[str]], str] = _inline) -> str:
    if value.isascii() and not _MARKDOWN_WORK.search(value):
        return _line_start(value)
    lines = _LINE_BREAKS.split(value)
    if len(lines) == 1:
        return _line_start(_INLINE.sub(inline, plain(value)))
    escaped = [_line_start(_INLINE.sub(inline, line)) for line in map(plain, lines) if line]
    # a later line of "=" or "-" would underline the one before into a heading ("-" _line_start escapes)
    escaped[1:] = ["&#61;" + line[1:] if line.startswith("=") else line for line in escaped[1:]]
    return _DEFERRED_BREAK.join(escaped)


def _line_start(text: str) -> str:
    """One line of a value, already escaped inline, such that it starts no block where it stands first on a line."""
    if text.endswith("#"):  # a heading drops trailing #s as its closing sequence (Python-Markdown: even "C#")
        stripped = text.rstrip("#")
        text = stripped + "\\#" * (len(text) - len(stripped))
    match = _BLOCK_START.match(text)
    if match:
        if match.group(2):
            text = f"{match.group(2)}\\{match.group(3)}{text[match.end():]}"
        elif text[0] in _NO_BACKSLASH:
            text = _NO_BACKSLASH[text[0]] + text[1:]
        else:
            text = "\\" + text
    return text


# What a line break continues on a line that starts with it: quote markers as they are, list markers as spaces.
_CONTAINERS = re.compile(r" {0,3}> ?| *(?:[-*+]|\d{1,9}[.)])(?: +|$)")
_HEADING = re.compile(r" {0,3}#{1,6}(?:[ \t]|$)")


def place(page: str) -> str:
    """page with each `|` and line break of markdown_deferred as it must be where it landed, by the
    block (lines between blank lines) and line it is in: in a block that holds a table row, `|` escaped
    and a line break `<br>`; elsewhere `|` as typed (escaped in a value of several lines, which could
    otherwise lay out a table of its own) and a line break as placed by _break."""
    if _DEFERRED_BAR not in page and _DEFERRED_BREAK not in page:
        return page
    blocks = re.split(r"(\n[ \t]*\n)", page)
    return "".join(_place_in(block) for block in blocks)


def _place_in(block: str) -> str:
    table, broken = "|" in block, _DEFERRED_BREAK in block
    if broken:
        block = "\n".join(_break(line, table) for line in block.split("\n"))
    return block.replace(_DEFERRED_BAR, _TABLE_BAR if table or broken else "|")


def _break(line: str, table: bool) -> str:
    """line with its values' line breaks: `<br>` in a table row, a space in a heading, else a hard line
    break (two trailing spaces) and the next line indented under the list item or quoted as the line is."""
    if _DEFERRED_BREAK not in line:
        return line
    if table:
        return line.replace(_DEFERRED_BREAK, "<br>")
    if _HEADING.match(line):
        return line.replace(_DEFERRED_BREAK, " ")
    prefix, at = "", 0
    while match := _CONTAINERS.match(line, at):
        marker, at = match.group(), match.end()
        prefix += marker.rstrip() + " " if marker.lstrip().startswith(">") else " " * len(marker)
    return line.replace(_DEFERRED_BREAK, "  \n" + prefix)


# Every control character but line feed and tab: C0, DEL and C1 (ESC, and the 8-bit CSI U+009B, start escape sequences).
_CONTROLS = dict.fromkeys((*range(0, 9), *range(11, 32), *range(127, 160)))
# JSON escapes C0 itself; DEL and C1 it leaves raw when ensure_ascii is off.
_JSON_RAW_CONTROL = re.compile("[\x7f-\x9f]")


def terminal(text: str) -> str:
    """text as it may reach a terminal: every control character but line feed and tab dropped, so no
    escape sequence (colours, a window title, a cleared screen, a rewritten line) can form."""
    return text.translate(_CONTROLS)


def _iso(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def to_json(data: Any) -> str:
    """data as JSON for scripts, dates in ISO form, every value exact: DEL and C1 controls written as
    \\u escapes (as JSON writes C0 ones), so the text is safe on a terminal too."""
    import json

    text = json.dumps(data, indent=2, ensure_ascii=False, default=_iso) + "\n"
    return _JSON_RAW_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


# Characters a spreadsheet reads as the start of a formula (OWASP, "CSV Injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A spreadsheet that splits cells on ";" (the list separator of many locales) starts a cell after each one.
_AFTER_SEMICOLON = re.compile(r'(;[ "]*)(?=[=+\-@])')


def spreadsheet(value: str) -> str:
    """value as a CSV cell a spreadsheet shows as text: one plain line, with a ' before what would
    start a formula (`=HYPERLINK(...)`, `=cmd|' /C calc'!A0`, `@SUM(...)`, `-2+3`): at its start, and
    after a `;`, where a spreadsheet splitting on `;` starts a cell."""
    text = _AFTER_SEMICOLON.sub(r"\1'", plain(value))
    return f"'{text}" if text.startswith(_FORMULA_START) else text


# What terminal() would drop: written in a shell script as $'\xHH' bytes, so the script itself stays plain text.
_SHELL_CONTROL = re.compile("([\x00-\x08\x0b-\x1f\x7f-\x9f]+)")


def shell(value: str) -> str:
    """value as one bash word that stands for exactly value: printable runs quoted by shlex.quote
    (so `$(...)`, backticks, `;` and quotes are plain text), control characters as $'\\xHH'."""
    import shlex

    if not _SHELL_CONTROL.search(value):
        return shlex.quote(value)
    parts = []
    for index, part in enumerate(_SHELL_CONTROL.split(value)):
        if index % 2:
            parts.append("$'" + "".join(f"\\x{byte:02x}" for byte in part.encode("utf-8")) + "'")
        elif part:
            parts.append(shlex.quote(part))
    return "".join(parts)


# A link target is an http(s) URL of visible ASCII; these would end it or split a table cell.
_URL = re.compile(r"https?://[!-~]+\Z")
_URL_SPECIAL = str.maketrans({c: f"%{ord(c):02X}" for c in "()<>[]|\\`"})


def url(value: str) -> str:
    """An http(s) URL as a Markdown link target: characters that could end the link or split a
    table cell percent-encoded. Anything else is a ValueError."""
    if not _URL.match(value):
        raise ValueError(f"not an http(s) URL: {value!r}")
    return value.translate(_URL_SPECIAL)


# In a quoted Mermaid label these are plain text: no quote, `#` (Mermaid's entity codes), `<`, `>` or
# backtick; `&` only where no HTML character reference can start (before a space or at the end).
_MERMAID_PLAIN = re.compile(r"[\w .,\-()'/+]|&(?=\s|$)")


def mermaid_label(text: str) -> str:
    """A quoted Mermaid node label: anything but letters (of any script), digits and a little
    punctuation becomes a #code; entity, so no name can end the label, the node or the diagram, and
    "Sales & Marketing" or "HR/Payroll" read as typed."""
    shown = plain(text)
    safe = "".join(c if _MERMAID_PLAIN.match(shown, i) else f"#{ord(c)};" for i, c in enumerate(shown))
    return f'"{safe}"'


def width(text: str) -> int:
    """The columns plain text (see plain) takes on a terminal: wide East Asian characters two,
    combining marks none, as wcwidth (prompt_toolkit's own measure) counts them."""
    if text.isascii():
        return len(text)
    from wcwidth import wcswidth  # only for text that needs it: its tables take 25 ms to import

    return wcswidth(text)


def align(rows: list[list[str]]) -> list[str]:
    """rows of plain cells as lines of aligned columns, two spaces apart."""
    measured = [[(cell, width(cell)) for cell in row] for row in rows]
    widths = [max(row[i][1] for row in measured) for i in range(len(rows[0]))]
    return ["  ".join(cell + " " * (widths[i] - w) for i, (cell, w) in enumerate(row)).rstrip() for row in measured]


