"""Every example report has the same structure in two independent Markdown implementations.

markdown-it-py (CommonMark, what GitHub and GitLab follow, and what `render --to html` uses) against
Python-Markdown twice: with the extensions MkDocs always enables (`tables`, `fenced_code`, `toc`),
and with those most MkDocs sites add (Material's usual set: admonitions, details, attribute lists,
definition lists, footnotes, Markdown in HTML, superfences, task lists). Python-Markdown renders the
pages `publish --style mkdocs` writes, and is a parser of its own lineage (not CommonMark), so
agreement is not one implementation agreeing with itself. None of the extensions' elements (a box,
a details block, a definition list, a footnote, a checkbox, a class or id) may appear: markdown-it
makes none of them.
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from conftest import REPO, write_answers
from postmortem import render
from test_injection import _classic_record, _order_like_placeholders

REPORTS = sorted(REPO.glob("examples/*/report.md"))
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
COUNTED = (
    "table", "tr", "th", "td", "ul", "ol", "li", "blockquote", "pre", "a", "img", "hr", "script", "b", "em", "strong",
    "div", "details", "summary", "dl", "dt", "dd", "sup", "input", "p",
)
MKDOCS = ["tables", "fenced_code", "toc"]
MATERIAL = [
    "tables", "toc", "admonition", "pymdownx.details", "attr_list", "def_list", "footnotes", "md_in_html",
    "pymdownx.superfences", "pymdownx.tasklist",
]


class Structure(HTMLParser):
    """The headings (level and text, in order) and how many of each structural element."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.headings: list[tuple[str, str]] = []
        self.counts = dict.fromkeys((*COUNTED, "class or id"), 0)
        self._heading: list[str] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "div" and ("class", "highlight") in attrs:  # superfences' wrapper of a code block (the template's diagram)
            return
        if tag in self.counts:
            self.counts[tag] += 1
        if tag != "code" and any(name == "class" or (name == "id" and tag not in HEADINGS) for name, _ in attrs):
            # (toc gives headings ids; a fence's language is a class of its code in one engine, not the other)
            self.counts["class or id"] += 1
        if tag in HEADINGS:
            self._heading = [tag, ""]

    def handle_endtag(self, tag: str) -> None:
        if self._heading and tag == self._heading[0]:
            self.headings.append((tag, " ".join(self._heading[1].split())))
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._heading:
            self._heading[1] += data


def with_markdown_it(text: str) -> Structure:
    return Structure(MarkdownIt("js-default").render(text))


def with_python_markdown(text: str, extensions: list[str] = MKDOCS) -> Structure:
    return Structure(markdown.markdown(text, extensions=extensions))


def assert_same_structure(text: str) -> Structure:
    ours = with_markdown_it(text)
    for extensions in (MKDOCS, MATERIAL):
        theirs = with_python_markdown(text, extensions)
        assert ours.headings == theirs.headings, extensions
        assert ours.counts == theirs.counts, extensions
    return ours


def test_every_example_is_checked() -> None:
    assert len(REPORTS) >= 6, REPORTS


@pytest.mark.parametrize("report", REPORTS, ids=[p.parent.name for p in REPORTS])
def test_example_report_has_the_same_structure_in_both_engines(report: Path) -> None:
    text = report.read_text(encoding="utf-8")
    structure = assert_same_structure(text)
    # not vacuous: the page has its title, its sections and at least one table with rows
    assert structure.headings[0][0] == "h1" and len(structure.headings) >= 4
    expected_rows = sum(1 for line in text.splitlines() if line.startswith("|") and not line.startswith("|--") and not line.startswith("| --"))
    assert structure.counts["tr"] == expected_rows > 0
    assert structure.counts["script"] == 0


HOSTILE = [
    "# not a heading | not a cell",
    "<script>alert(1)</script> and <b>bold</b>",
    "```\nfenced\n```",
    "- not a list item\n1. nor this\n> nor a quote",
    "[link](javascript:alert(1)) ![img](http://x/y.png) *em* __strong__ ~~gone~~",
    "| a | b |\n|---|---|\n| c | d |",
    "line one\n\n## line two",
    "Tab\tand\u202ebidi\u200bzero-width",
    # what MkDocs sites' extensions would take for markup
    '!!! danger "Admonition"', '??? note "Details"', "???+ note", "{: .class #id }", "text {: .cls}", "term\n: definition",
    ": definition", "[^1]: footnote", "Text[^1]", "- [x] task", "[ ] task", '<div markdown="1">*html*</div>',
    "~~~python\nfenced\n~~~", "[TOC]", "x {#anchor}", "*[HTML]: Hyper Text",
]
MKDOCS_PIECES = [*HOSTILE[-16:], "!!!", "???", ":", "\n", "{", "}", "[^", "]", "- ", "[x]", "==", "^^", "!", "?", " ", "note"]
EXTENSION_ELEMENTS = ("div", "details", "summary", "dl", "dt", "dd", "sup", "input", "class or id")


def test_hostile_answers_render_the_same_structure_in_both_engines(cli, tmp_path: Path) -> None:
    folder = tmp_path / "pm"
    answers = write_answers(tmp_path, "<b>Eve</b> | # x", {
        "went_well": HOSTILE,
        "went_poorly": HOSTILE,
        "improvements": [{"text": t, "owner": t, "due": dt.date(2027, 1, 1)} for t in HOSTILE],
        "stakeholders": [{"name": t, "role": t, "interest": t} for t in HOSTILE],
        "rating": 2,
    }, role="| role |")
    assert cli("start", folder, "--project", "| Hostile # <i>project</i>", "--date", "2026-11-02", "--answers", answers).exit_code == 0
    assert cli("merge", folder).exit_code == 0
    result = cli("render", folder)
    assert result.exit_code == 0, result.output
    structure = assert_same_structure(result.stdout)
    for engine in (with_markdown_it(result.stdout), with_python_markdown(result.stdout)):
        assert engine.counts["script"] == engine.counts["b"] == engine.counts["em"] == 0
        assert all(engine.counts[tag] == 0 for tag in EXTENSION_ELEMENTS)
        assert engine.counts["img"] == engine.counts["a"] == engine.counts["pre"] == 0
        assert engine.counts["blockquote"] == 1  # only the template's framing line
        assert engine.counts["strong"] == result.stdout.count("**") // 2  # only the template's own bold labels
    assert [h for h in structure.headings if h[0] == "h1"] == [("h1", "Post-mortem: | Hostile # <i>project</i>")]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.lists(st.sampled_from(MKDOCS_PIECES), min_size=1, max_size=6).map("".join).filter(str.strip), min_size=16, max_size=16))
def test_mkdocs_extension_syntax_stays_plain_text_anywhere_in_a_report(texts: list[str]) -> None:
    assume(_order_like_placeholders(texts))
    report = render.render_markdown(_classic_record(texts))
    structure = assert_same_structure(report)
    assert all(structure.counts[tag] == 0 for tag in EXTENSION_ELEMENTS)
    material = with_python_markdown(report, MATERIAL)
    assert all(material.counts[tag] == 0 for tag in EXTENSION_ELEMENTS)


@pytest.mark.parametrize("project", ["Move to C#", "Ship F# ##", "#"])
def test_a_value_ending_in_hash_keeps_its_hashes_in_a_heading(cli, tmp_path: Path, project: str) -> None:
    """A heading's trailing #s are its closing sequence (Python-Markdown drops them even after a letter, as in "C#")."""
    folder = tmp_path / "pm"
    answers = write_answers(tmp_path, "Ann", {"went_well": ["Small steps"]})
    assert cli("start", folder, "--project", project, "--date", "2026-11-02", "--answers", answers).exit_code == 0
    assert cli("merge", folder).exit_code == 0
    report = cli("render", folder).stdout
    for engine in (with_markdown_it(report), with_python_markdown(report), with_python_markdown(report, MATERIAL)):
        assert engine.headings[0] == ("h1", f"Post-mortem: {project}")
