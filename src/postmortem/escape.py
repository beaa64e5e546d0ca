"""Participants' text as literal Markdown, for CommonMark (GitHub, GitLab) and Python-Markdown (MkDocs).

One escape serves every place a value lands (paragraph, list item, table cell, heading): line
breaks are folded to spaces, so a value can never start a new block or table row; invisible
format characters (zero-width, bidi overrides) and control characters are dropped; `& < > ~ |`
become character references, so no raw HTML, strikethrough or cell split can form; and the
punctuation both implementations honour after a backslash is backslash-escaped where it could
start markup.
"""

from __future__ import annotations

import re
import unicodedata

_LINE_BREAKS = re.compile(r"[\r\n\v\f\x85\u2028\u2029]+")
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_ALWAYS = re.compile(r"([\\`*_{}\[\]])")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "~": "&#126;", "|": "&#124;"}
_ENTITY = re.compile("[&<>~|]")
_BLOCK_START = re.compile(r"^(#+|[-+]|(\d+)([.)])(?=\s|$))")


def _visible(char: str) -> bool:
    category = unicodedata.category(char)
    return not (category == "Cf" or (category == "Cc" and char != "\t"))


def plain(value: str) -> str:
    """value on one line, without invisible characters, with runs of whitespace collapsed."""
    folded = _LINE_BREAKS.sub(" ", value)
    if folded.isascii():
        visible = _ASCII_CONTROL.sub("", folded)
    else:
        visible = "".join(c for c in folded if _visible(c))
    return " ".join(visible.replace("\t", " ").split())


def markdown(value: str) -> str:
    """value as Markdown inline text that renders exactly as typed."""
    text = _ENTITY.sub(lambda m: _ENTITIES[m.group()], _ALWAYS.sub(r"\\\1", plain(value)))
    match = _BLOCK_START.match(text)
    if match:
        if match.group(2):
            text = f"{match.group(2)}\\{match.group(3)}{text[match.end():]}"
        else:
            text = "\\" + text
    return text
