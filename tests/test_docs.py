"""The documentation site (mkdocs.yml, docs/) builds strictly, and its command reference
(docs/reference.md) names every command, argument and option the CLI has, so a new option cannot
ship undocumented."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import typer
import typer.main

from conftest import REPO
from postmortem import cli
from test_help import parses

REFERENCE = (REPO / "docs" / "reference.md").read_text(encoding="utf-8")
ROOT = typer.main.get_command(cli.app)
CONTEXT = ROOT.context_class(ROOT, info_name="postmortem")


def sections(text: str) -> dict[str, str]:
    """The reference's `## ...` sections by heading, each with its subsections."""
    parts = re.split(r"^## (.+)\n", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def undocumented(command, text: str) -> list[str]:
    """Every option name and argument word of a click command that the text does not mention."""
    names = []
    for param in command.params:
        if param.param_type_name == "argument":
            names += re.findall(r"[\w-]+", param.metavar or param.name.upper())
        else:
            names += [o for o in (*param.opts, *param.secondary_opts) if o not in ("-h", "--help")]
    return [n for n in names if not re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text)]


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    """`mkdocs build --strict`: a broken link, a missing anchor or a page left out of the nav fails."""
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "site" / "reference" / "index.html").read_text(encoding="utf-8")
    assert 'id="postmortem-publish"' in page and "--answers-page" in page


@pytest.mark.parametrize("name", cli.WORKFLOW)
def test_every_option_of_every_command_is_in_the_reference(name: str) -> None:
    documented = sections(REFERENCE)
    assert f"`postmortem {name}`" in documented, f"docs/reference.md has no section for {name}"
    assert undocumented(ROOT.get_command(CONTEXT, name), documented[f"`postmortem {name}`"]) == []


def test_the_options_of_the_tool_itself_are_in_the_reference() -> None:
    assert undocumented(ROOT, sections(REFERENCE)["Common to every command"]) == []


def test_the_reference_follows_the_order_of_help() -> None:
    commands = [heading.strip("`").split()[1] for heading in sections(REFERENCE) if heading.startswith("`postmortem ")]
    assert commands == list(cli.WORKFLOW)


def test_an_option_missing_from_the_reference_is_found() -> None:
    """Control: the check is not vacuous. A command with one more option than the text names fails."""
    app = typer.Typer(add_completion=False)

    @app.command()
    def merge(directory: Path = typer.Argument(Path("."), metavar="[DIR]"), fresh: bool = typer.Option(False, "--fresh", "-F")) -> None:
        """Merge."""

    command = typer.main.get_command(app)
    assert undocumented(command, "postmortem merge [DIR]") == ["--fresh", "-F"]
    assert undocumented(command, "postmortem merge [DIR] [--fresh]") == ["-F"]
    assert undocumented(command, "postmortem merge --fresh, -F") == ["DIR"]


def slug(heading: str) -> str:
    """The anchor GitHub and MkDocs give a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@pytest.mark.parametrize("page", ["README.md", "benchmarks/README.md", *(f"docs/{p.name}" for p in (REPO / "docs").glob("*.md"))])
def test_links_between_the_pages_lead_somewhere(page: str) -> None:
    """Every relative link of the README, the benchmark's page and the docs names a file (and a
    heading) that exists; the site build checks the same for docs/ alone."""
    source = REPO / page
    for target in re.findall(r"\]\(([^)\s]+)\)", source.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        linked = (source.parent / path).resolve() if path else source
        assert linked.exists(), f"{page}: {target}"
        if anchor:
            headings = re.findall(r"^#+ (.+)$", linked.read_text(encoding="utf-8"), flags=re.MULTILINE)
            assert anchor in map(slug, headings), f"{page}: {target}"


def command_lines(text: str) -> list[list[str]]:
    """The words of each `postmortem ...` command in the text's sh code blocks (continued lines
    joined; pipes, redirections, `&&` and comments cut off)."""
    commands = []
    for block in re.findall(r"^```sh\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
            lexer.whitespace_split = True
            words: list[str] = []
            for token in [*lexer, ";"]:
                if token.strip("&|;<>"):
                    words.append(token)
                    continue
                if words[:1] == ["postmortem"] or words[:1] == [".venv/bin/postmortem"]:
                    commands.append(words[1:])
                words = []
    return commands


@pytest.mark.parametrize("page", ["README.md", *(f"docs/{p.name}" for p in (REPO / "docs").glob("*.md"))])
def test_every_command_the_docs_show_parses(page: str) -> None:
    """A renamed option or a choice that no longer exists makes the page that shows it fail here."""
    for words in command_lines((REPO / page).read_text(encoding="utf-8")):
        assert words in (["--version"], ["--help"]) or (words[0] in cli.WORKFLOW and parses(words)), f"{page}: {words}"
