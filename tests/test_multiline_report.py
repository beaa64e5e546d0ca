"""An answer typed over several lines keeps its lines in the report, and no line of it can start
structure: each line is plain text where it lands (a list item, a paragraph, a table cell, a quote,
a heading), parsed by markdown-it-py (CommonMark, as GitHub and GitLab) and Python-Markdown (MkDocs),
and built by the real `mkdocs build --strict`."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from conftest import write_answers
from postmortem import escape
from test_injection import structure
from test_markdown_engines import EXTENSION_ELEMENTS, MATERIAL, assert_same_structure, with_python_markdown
from test_publish import mkdocs_project

# Each line tries to start a block of its own: CommonMark's, and those of the extensions MkDocs sites run.
LINES = [
    "First line", "# heading", "## h2", "- item", "* item", "+ item", "1. ordered", "2) ordered", "> quote", "```", "~~~",
    "| a | b |", "|---|---|", '!!! danger "Box"', "??? note", "???+ note", "---", "===", "***", "<div>html</div>",
    "<!-- comment -->", "    indented code", ": definition", "[^1]: footnote", "- [x] task", "{: .cls }", "[TOC]",
    "*[HTML]: abbreviation", "Last line",
]
MULTI = "\n".join(LINES)
SHOWN = [escape.plain(line) for line in LINES]  # what a reader sees on each line
BREAKS = len(LINES) - 1


def parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])  # raw HTML on, as GitHub takes it


def lines_of(inline) -> list[str]:
    """The lines a reader sees in one paragraph, list item, heading or table cell."""
    lines = [""]
    for child in inline.children or []:
        if child.type == "hardbreak" or (child.type == "html_inline" and child.content == "<br>"):
            lines.append("")
        else:
            assert child.type in ("text", "text_special", "softbreak"), f"markup formed: {child.type} in {inline.content!r}"
            lines[-1] += " " if child.type == "softbreak" else child.content
    return lines


def postmortem(cli, root: Path, text: str) -> Path:
    """A classic post-mortem where every place a participant or the facilitator writes holds text."""
    folder = root / "pm"
    root.mkdir(exist_ok=True)
    answers = write_answers(root, "Eve", {
        "went_well": [text],
        "went_poorly": [text.replace("\n", "\r\n")],
        "improvements": [{"text": text, "owner": "Kyle"}],
        "stakeholders": [{"name": "Jessica", "role": "VP", "interest": text}],
        "takeaways": text,
        "rating": 3,
    }, role="QA")
    assert cli("start", folder, "--project", "Rollout", "--date", "2026-11-02", "--answers", answers).exit_code == 0
    assert cli("merge", folder).exit_code == 0
    record_path = folder / "record.toml"
    record = tomllib.loads(record_path.read_text(encoding="utf-8"))
    record.update(summary=text, notes=text)  # as the facilitator writes them in record.toml
    record_path.write_text(tomli_w.dumps(record), encoding="utf-8")
    return folder


def rendered(cli, root: Path, text: str, *options: str) -> tuple[str, str]:
    folder = postmortem(cli, root, text)
    result = cli("render", folder, "-o", root / "report.md", "--answers-page", root / "answers.md", *options)
    assert result.exit_code == 0, result.output
    return (root / "report.md").read_text(encoding="utf-8"), (root / "answers.md").read_text(encoding="utf-8")


def test_every_line_of_an_answer_is_its_own_line_of_plain_text(cli, tmp_path: Path) -> None:
    report, answers = rendered(cli, tmp_path / "lines", MULTI)
    placeholder_report, placeholder_answers = rendered(cli, tmp_path / "one", "Placeholder")
    for page, placeholder in ((report, placeholder_report), (answers, placeholder_answers)):
        assert structure(page) == structure(placeholder)  # the template's headings, lists, rows and cells, no more
        shown = [lines_of(t) for t in parser().parse(page) if t.type == "inline" and "First line" in t.content]
        assert len(shown) == placeholder.count("Placeholder")  # every place the text landed
        for lines in shown:
            assert lines[0].endswith(SHOWN[0]) and lines[1:-1] == SHOWN[1:-1] and lines[-1].startswith(SHOWN[-1])
            # (a stakeholder's name before it on the page of answers; who said it after it in a list item)
    # where each one landed: a list item (continued under it), a table cell, a paragraph
    assert "- First line  \n  \\# heading  \n  \\## h2  \n  \\- item  \n" in report
    assert "| A1 | First line<br>\\# heading<br>\\## h2<br>" in report
    assert "## Summary\n\nFirst line  \n\\# heading  \n" in report


def test_python_markdown_sees_the_same_page_with_the_same_line_breaks(cli, tmp_path: Path) -> None:
    report, answers = rendered(cli, tmp_path, MULTI)
    for page in (report, answers):
        assert_same_structure(page)
        places = page.count("First line")
        for extensions in (["tables", "fenced_code", "toc"], MATERIAL):
            html = __import__("markdown").markdown(page, extensions=extensions)
            assert html.count("<br />") + html.count("<br>") == BREAKS * places, extensions
        material = with_python_markdown(page, MATERIAL)
        assert all(material.counts[tag] == 0 for tag in EXTENSION_ELEMENTS)


def test_the_html_page_breaks_the_lines_and_makes_nothing_else(cli, tmp_path: Path) -> None:
    report, _ = rendered(cli, tmp_path / "lines", MULTI)
    result = cli("render", tmp_path / "lines" / "pm", "--to", "html")
    placeholder = cli("render", postmortem(cli, tmp_path / "one", "Placeholder"), "--to", "html").stdout
    page = result.stdout
    assert page.count("<br>") == BREAKS * report.count("First line")
    def tags(html: str) -> list[str]:
        return sorted(part.split(">")[0].split()[0] for part in html.split("<")[1:])

    assert [t for t in tags(page) if t != "br"] == tags(placeholder)
    assert "First line<br>\n# heading<br>\n## h2<br>" in page  # a list item
    assert "<td>First line<br># heading<br>## h2<br>" in page  # a table cell


def test_mkdocs_builds_the_published_page_strict_with_every_line(cli, tmp_path: Path) -> None:
    folder = postmortem(cli, tmp_path, MULTI)
    site = mkdocs_project(tmp_path / "site")
    result = cli("publish", folder, site, "--style", "mkdocs")
    assert result.exit_code == 0, result.output
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "built")],
        cwd=site, capture_output=True, text=True, timeout=120,
    )
    assert build.returncode == 0, build.stderr
    page = next(p for p in (tmp_path / "built" / "postmortems").glob("*/index.html") if "answers" not in p.parent.name)
    page = page.read_text(encoding="utf-8")
    main = page.split('role="main"', 1)[1].split("<footer", 1)[0]  # the page's content, not the theme's
    assert main.count("First line<br />") == 5  # the two lists, the takeaway, the summary, the notes
    assert main.count("First line<br>") == 2  # the action and the stakeholder's needs, in table cells
    assert "<li>First line<br />\n  # heading<br />\n  ## h2<br />\n  - item<br />" in main
    assert "<td>First line<br># heading<br>## h2<br>" in main
    assert "<h1" not in main.split("</h1>", 1)[1] and "<blockquote>" in main and main.count("<blockquote>") == 1
    assert "<pre" not in main and "<hr" not in main and "admonition" not in main and "<details" not in main


def test_a_heading_shows_the_lines_on_one_line_and_a_quote_keeps_them_quoted(cli, tmp_path: Path) -> None:
    template = tmp_path / "mine.md.j2"
    template.write_text(
        "## {{ summary }}\n\n> {{ summary }}\n\n1. Said:\n   - {{ summary }}\n\n> - {{ summary }}\n", encoding="utf-8"
    )
    folder = postmortem(cli, tmp_path, "First\n# second\n> third")
    result = cli("render", folder, "--template", template)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "## First \\# second \\> third\n\n"
        "> First  \n> \\# second  \n> \\> third\n\n"
        "1. Said:\n   - First  \n     \\# second  \n     \\> third\n\n"
        "> - First  \n>   \\# second  \n>   \\> third\n"
    )
    tokens = parser().parse(result.stdout)
    assert [t.type for t in tokens if t.type.endswith("_open")] == [
        "heading_open", "blockquote_open", "paragraph_open", "ordered_list_open", "list_item_open", "paragraph_open",
        "bullet_list_open", "list_item_open", "paragraph_open", "blockquote_open", "bullet_list_open", "list_item_open",
        "paragraph_open",
    ]


PIECES = ["# h", "- ", "1. ", "> ", "```", "~~~", "|", "| - |", "---", "===", "!!! x", "??? y", "<b>", ": d", "    ", "x", " ", "\\"]


@settings(max_examples=80, deadline=None, derandomize=True)
@given(st.lists(st.lists(st.sampled_from(PIECES), min_size=1, max_size=4).map("".join).filter(escape.plain), min_size=2, max_size=6))
def test_any_lines_stay_one_list_item_or_one_cell_with_every_line(lines: list[str]) -> None:
    value = "\n".join(lines)
    page = escape.place(
        f"- {escape.markdown_deferred(value)} (Eve)\n\n| Action |\n|---|\n| {escape.markdown_deferred(value)} |\n"
    )
    tokens = parser().parse(page)
    assert [t.type for t in tokens if t.type.endswith("_open")] == [
        "bullet_list_open", "list_item_open", "paragraph_open", "table_open", "thead_open", "tr_open", "th_open",
        "tbody_open", "tr_open", "td_open",
    ]
    item, _, cell = [lines_of(t) for t in tokens if t.type == "inline"]
    expected = [escape.plain(line) for line in lines]
    assert item == [*expected[:-1], expected[-1] + " (Eve)"] and cell == expected
    assert_same_structure(page)


def test_terminal_tables_show_an_answer_of_several_lines_on_one_line(cli, tmp_path: Path) -> None:
    folder = postmortem(cli, tmp_path, MULTI)
    one_line = " ".join(SHOWN)
    actions = cli("actions", folder)
    assert actions.exit_code == 0, actions.output
    rows = actions.stdout.splitlines()
    assert len(rows) == 2 and f"A1  {one_line[:40]}" in rows[1]  # the header and the action's one row (clipped)
    groups = cli("groups", folder).stdout
    assert groups.count("First line") == groups.count(one_line) > 0
