"""Every example report has the same structure in two independent Markdown implementations.

markdown-it-py (CommonMark, what GitHub and GitLab follow, and what `render --to html` uses) against
Python-Markdown with the extensions MkDocs always enables (`tables`, `fenced_code`): the engine
that renders the pages `publish --style mkdocs` writes, and a parser of its own lineage (not
CommonMark), so agreement is not one implementation agreeing with itself.
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest
from markdown_it import MarkdownIt

from conftest import REPO, write_answers

REPORTS = sorted(REPO.glob("examples/*/report.md"))
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
COUNTED = ("table", "tr", "th", "td", "ul", "ol", "li", "blockquote", "pre", "a", "img", "hr", "script", "b", "em", "strong")


class Structure(HTMLParser):
    """The headings (level and text, in order) and how many of each structural element."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.headings: list[tuple[str, str]] = []
        self.counts = dict.fromkeys(COUNTED, 0)
        self._heading: list[str] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.counts:
            self.counts[tag] += 1
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


def with_python_markdown(text: str) -> Structure:
    return Structure(markdown.markdown(text, extensions=["tables", "fenced_code"]))


def assert_same_structure(text: str) -> Structure:
    ours, theirs = with_markdown_it(text), with_python_markdown(text)
    assert ours.headings == theirs.headings
    assert ours.counts == theirs.counts
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
]


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
        assert engine.counts["img"] == engine.counts["a"] == engine.counts["pre"] == 0
        assert engine.counts["blockquote"] == 1  # only the template's framing line
        assert engine.counts["strong"] == result.stdout.count("**") // 2  # only the template's own bold labels
    assert [h for h in structure.headings if h[0] == "h1"] == [("h1", "Post-mortem: | Hostile # <i>project</i>")]
