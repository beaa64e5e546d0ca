"""render --template: user templates by name or path, extending the built-ins, sandboxed, strict."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import write_answers


@pytest.fixture
def folder(cli, tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("POSTMORTEM_CONFIG_DIR", str(tmp_path / "config"))
    pm = tmp_path / "pm"
    answers = write_answers(tmp_path, "Ann", {"went_well": ["Small <b>scope</b>"], "rating": 4})
    assert cli("start", pm, "--project", "Billing", "--answers", answers).exit_code == 0
    assert cli("merge", pm).exit_code == 0
    return pm


def test_a_template_file_extends_a_builtin_and_overrides_one_block(cli, folder: Path, tmp_path: Path) -> None:
    own = tmp_path / "mine.md.j2"
    own.write_text('{% extends "classic.md.j2" %}\n{% block framing %}\nOur own words for {{ project }}.\n{% endblock %}\n',
                   encoding="utf-8")
    default = cli("render", folder).stdout
    result = cli("render", folder, "--template", own)
    assert result.exit_code == 0, result.stderr
    assert "Our own words for Billing." in result.stdout
    assert "This review is blameless" not in result.stdout
    # everything else is the built-in report
    tail = default[default.index("## What went well"):]
    assert result.stdout.endswith(tail) and result.stdout.startswith("# Post-mortem: Billing\n")


def test_user_folder_is_searched_before_the_builtins(cli, folder: Path, tmp_path: Path) -> None:
    reports = tmp_path / "config" / "reports"
    reports.mkdir(parents=True)
    (reports / "classic.md.j2").write_text('{% extends "base.md.j2" %}{% block title %}# Ours: {{ project }}{% endblock %}',
                                           encoding="utf-8")
    (reports / "short.md.j2").write_text("{{ project }}: {{ participant_count }} answered\n", encoding="utf-8")
    assert cli("render", folder).stdout.startswith("# Ours: Billing\n")
    assert cli("render", folder, "--template", "short").stdout == "Billing: 1 answered\n"


def test_markdown_templates_escape_every_value(cli, folder: Path, tmp_path: Path) -> None:
    own = tmp_path / "raw.md.j2"
    own.write_text("{{ sections[0]['items'][0].text }}\n", encoding="utf-8")
    assert cli("render", folder, "-t", own).stdout == "Small &lt;b>scope&lt;/b>\n"


def test_html_templates_autoescape(cli, folder: Path, tmp_path: Path) -> None:
    own = tmp_path / "page.html.j2"
    own.write_text("<p>{{ sections[0]['items'][0].text }}</p>\n", encoding="utf-8")
    assert cli("render", folder, "-t", own).stdout == "<p>Small &lt;b&gt;scope&lt;/b&gt;</p>\n"


def test_undefined_names_fail_with_file_and_line(cli, folder: Path, tmp_path: Path) -> None:
    own = tmp_path / "typo.md.j2"
    own.write_text("# {{ project }}\n\n{{ projcet }}\n", encoding="utf-8")
    result = cli("render", folder, "-t", own)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"postmortem: {own.resolve()}:3: template error: 'projcet' is undefined")


def test_syntax_errors_name_file_and_line(cli, folder: Path, tmp_path: Path) -> None:
    own = tmp_path / "broken.md.j2"
    own.write_text("ok\n{% if %}\n", encoding="utf-8")
    result = cli("render", folder, "-t", own)
    assert result.exit_code == 2 and f"{own.resolve()}:2: template error" in result.stderr


def test_templates_run_in_the_sandbox(cli, folder: Path, tmp_path: Path) -> None:
    own = tmp_path / "evil.md.j2"
    own.write_text("{{ ''.__class__.__mro__[1].__subclasses__() }}\n", encoding="utf-8")
    result = cli("render", folder, "-t", own)
    assert result.exit_code == 2 and "unsafe" in result.stderr and "Traceback" not in result.stderr


def test_unknown_template_name(cli, folder: Path) -> None:
    result = cli("render", folder, "-t", "nope")
    assert result.exit_code == 2 and "no report template 'nope.md.j2'" in result.stderr


BOMBS = {  # a template author's own mistakes: each ends at once with one line naming the template, exit 2
    "recursive-macro": ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "calls itself without end"),
    "self-include": ('{% include "self-include.md.j2" %}', "calls itself without end"),
    "self-extends": ('{% extends "self-extends.md.j2" %}', "calls itself without end"),
    "huge-string": ('{{ "x" * 60000000 }}', "`*` would make 60,000,000 characters"),
    "huge-number": ("{{ 2 ** 1000000 }}", "`**` would make a number of over 100,000 bits"),
    "huge-range": ("{{ range(10**10) | length }}", "Range too big"),
    "quiet-loop": ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "more than 10,000,000 steps"),
    "loud-loop": ("{% for i in range(100000) %}{% for j in range(99) %}" + "x" * 10_000 + "{% endfor %}{% endfor %}",
                  "the report passes 50,000,000 characters"),
}


@pytest.mark.parametrize("bomb", BOMBS)
def test_a_template_bomb_is_one_clear_line(cli, folder: Path, tmp_path: Path, bomb: str) -> None:
    source, problem = BOMBS[bomb]
    template = tmp_path / f"{bomb}.md.j2"
    template.write_text(source, encoding="utf-8")
    result = cli("render", folder, "--template", template, "-o", tmp_path / "report.md")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"postmortem: {template}") and len(result.stderr.splitlines()) == 1, result.stderr
    assert problem in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "report.md").exists()
