"""publish: the report, the record beside it and the wiki's index, through the real CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from conftest import REPO, read, write_answers

from postmortem import store

PAGE = "Postmortem-2026-11-20-colorado-office-compliance-rollout"
START, END = "<!-- postmortem:index:start -->", "<!-- postmortem:index:end -->"


@pytest.fixture
def pm(cli, tmp_path: Path) -> Path:
    """The worked example, copied and merged afresh."""
    folder = tmp_path / "colorado"
    shutil.copytree(REPO / "examples" / "colorado-office", folder, ignore=shutil.ignore_patterns("record.toml", "report.md"))
    result = cli("merge", folder)
    assert result.exit_code == 0, result.output
    return folder


def second_postmortem(cli, tmp_path: Path, project: str, date: str, improvements: list) -> Path:
    folder = tmp_path / f"pm-{len(list(tmp_path.glob('pm-*')))}"
    answers = write_answers(tmp_path, "Ann", {"went_well": ["It shipped"], "improvements": improvements})
    result = cli("start", folder, "--project", project, "--date", date, "--answers", answers)
    assert result.exit_code == 0, result.output
    assert cli("merge", folder).exit_code == 0
    return folder


def table_rows(text: str) -> list[str]:
    """The rows between our index markers, header and rule excluded."""
    block = text.split(START, 1)[1].split(END, 1)[0]
    rows = [line for line in block.strip().splitlines() if line.startswith("|")]
    assert rows[0].startswith("| Date | Project | Participants | Open actions |")
    return rows[2:]


def rendered(cli, folder: Path, answers: str) -> str:
    """The report `render` makes, linking its page of answers at answers (beside it)."""
    out = folder.parent / "rendered"
    out.mkdir(exist_ok=True)
    result = cli("render", folder, "-o", out / "report.md", "--answers-page", out / answers)
    assert result.exit_code == 0, result.output
    return (out / "report.md").read_text(encoding="utf-8")


def test_github_wiki_gets_page_record_index_and_sidebar(cli, pm: Path, tmp_path: Path) -> None:
    wiki = tmp_path / "wiki"
    wiki.mkdir()
    (wiki / "Home.md").write_text("# Team wiki\n\nWelcome! Read [the handbook](Handbook) first.\n", encoding="utf-8")
    result = cli("publish", pm, wiki, "--style", "github")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert f"{PAGE}.md" in result.stderr

    assert (wiki / f"{PAGE}.md").read_text(encoding="utf-8") == rendered(cli, pm, f"{PAGE}--answers")
    answers = (wiki / f"{PAGE}--answers.md").read_text(encoding="utf-8")  # each person's answers, linked both ways
    assert answers.startswith("# Individual answers: Colorado office compliance rollout\n") and f"[the report]({PAGE})" in answers
    assert "\n## Linda, Quality & compliance associate\n" in answers and f"{PAGE}--answers.md" in result.stderr
    published = wiki / f"{PAGE}.record.toml"
    assert published.read_text(encoding="utf-8") == (pm / "record.toml").read_text(encoding="utf-8")

    home = (wiki / "Home.md").read_text(encoding="utf-8")
    assert home.startswith("# Team wiki\n\nWelcome! Read [the handbook](Handbook) first.\n")
    assert table_rows(home) == [f"| 2026-11-20 | [Colorado office compliance rollout]({PAGE}) | 5 | 7 |"]
    sidebar = (wiki / "_Sidebar.md").read_text(encoding="utf-8")
    assert "**[Post-mortems](Home)**" in sidebar
    assert f"- [2026-11-20 Colorado office compliance rollout]({PAGE})" in sidebar


def test_publishing_again_updates_the_same_page_and_row(cli, pm: Path, tmp_path: Path) -> None:
    wiki = tmp_path / "wiki"
    wiki.mkdir()
    assert cli("publish", pm, wiki, "--style", "github").exit_code == 0
    first = {p.name: p.read_text(encoding="utf-8") for p in wiki.iterdir() if p.is_file()}

    assert cli("publish", pm, wiki, "--style", "github").exit_code == 0
    assert {p.name: p.read_text(encoding="utf-8") for p in wiki.iterdir() if p.is_file()} == first

    result = cli("edit", "A1", pm, "--status", "done")  # the facilitator closes one action, then publishes again
    assert result.exit_code == 0, result.output
    assert cli("publish", pm, wiki, "--style", "github").exit_code == 0
    home = (wiki / "Home.md").read_text(encoding="utf-8")
    assert table_rows(home) == [f"| 2026-11-20 | [Colorado office compliance rollout]({PAGE}) | 5 | 6 |"]
    assert home.count(START) == 1 and home.count(END) == 1
    assert sorted(p.name for p in wiki.glob("*.md")) == ["Home.md", f"{PAGE}--answers.md", f"{PAGE}.md", "_Sidebar.md"]
    assert read(wiki / f"{PAGE}.record.toml")["sections"][2]["items"][0]["status"] == "done"
    assert (wiki / "_Sidebar.md").read_text(encoding="utf-8").count(PAGE) == 1


def test_index_lists_every_published_postmortem_newest_first(cli, pm: Path, tmp_path: Path) -> None:
    wiki = tmp_path / "wiki"
    wiki.mkdir()
    older = second_postmortem(cli, tmp_path, "Laptop refresh", "2026-03-14", ["Order spares early", "Label the boxes"])
    newer = second_postmortem(cli, tmp_path, "Billing migration", "2026-12-01", [])
    for folder in (pm, older, newer, pm):
        result = cli("publish", folder, wiki, "--style", "github")
        assert result.exit_code == 0, result.output
    rows = table_rows((wiki / "Home.md").read_text(encoding="utf-8"))
    assert rows == [
        "| 2026-12-01 | [Billing migration](Postmortem-2026-12-01-billing-migration) | 1 | 0 |",
        f"| 2026-11-20 | [Colorado office compliance rollout]({PAGE}) | 5 | 7 |",
        "| 2026-03-14 | [Laptop refresh](Postmortem-2026-03-14-laptop-refresh) | 1 | 2 |",
    ]
    sidebar = (wiki / "_Sidebar.md").read_text(encoding="utf-8")
    links = [line for line in sidebar.splitlines() if line.startswith("- [")]
    assert links == [
        "- [2026-12-01 Billing migration](Postmortem-2026-12-01-billing-migration)",
        f"- [2026-11-20 Colorado office compliance rollout]({PAGE})",
        "- [2026-03-14 Laptop refresh](Postmortem-2026-03-14-laptop-refresh)",
    ]


def test_same_slug_same_date_different_project_gets_its_own_page(cli, tmp_path: Path) -> None:
    wiki = tmp_path / "wiki"
    wiki.mkdir()
    one = second_postmortem(cli, tmp_path, "Data/Sync", "2026-05-01", [])
    two = second_postmortem(cli, tmp_path, "Data Sync", "2026-05-01", ["One thing"])
    for folder in (one, two, one, two):
        assert cli("publish", folder, wiki, "--style", "plain").exit_code == 0
    assert sorted(p.name for p in wiki.glob("*.md")) == [
        "Postmortem-2026-05-01-data-sync--answers.md", "Postmortem-2026-05-01-data-sync-2--answers.md",
        "Postmortem-2026-05-01-data-sync-2.md", "Postmortem-2026-05-01-data-sync.md", "index.md",
    ]
    assert read(wiki / "Postmortem-2026-05-01-data-sync.record.toml")["project"] == "Data/Sync"
    assert read(wiki / "Postmortem-2026-05-01-data-sync-2.record.toml")["project"] == "Data Sync"
    assert len(table_rows((wiki / "index.md").read_text(encoding="utf-8"))) == 2


def test_project_names_cannot_break_the_index_table(cli, tmp_path: Path) -> None:
    wiki = tmp_path / "wiki"
    wiki.mkdir()
    folder = second_postmortem(cli, tmp_path, "A | B <script>x</script> [link](http://e.vil)", "2026-05-01", [])
    assert cli("publish", folder, wiki, "--style", "plain").exit_code == 0
    text = (wiki / "index.md").read_text(encoding="utf-8")
    (row,) = table_rows(text)
    assert row.count("|") - row.count("\\|") == 5 and "<script>" not in row and "A \\| B" in row and "&lt;script>" in row
    html = MarkdownIt("commonmark").enable("table").render(text)
    assert html.count("<tr>") == 2 and html.count("<td>") == 4 and html.count("<a ") == 1
    assert "<script>" not in html and "http://e.vil" not in html.split('href="', 1)[1].split('"', 1)[0]


def test_plain_style_writes_page_and_index(cli, pm: Path, tmp_path: Path, monkeypatch) -> None:
    wiki = tmp_path / "notes"
    wiki.mkdir()
    monkeypatch.chdir(pm)  # `publish WIKI` publishes the post-mortem in the current folder
    result = cli("publish", wiki, "--style", "plain")
    assert result.exit_code == 0, result.output
    assert (wiki / f"{PAGE}.md").read_text(encoding="utf-8") == rendered(cli, pm, f"{PAGE}--answers.md")
    assert (wiki / f"{PAGE}.record.toml").is_file()
    index = (wiki / "index.md").read_text(encoding="utf-8")
    assert index.startswith("# Post-mortems\n\n" + START)
    assert table_rows(index) == [f"| 2026-11-20 | [Colorado office compliance rollout]({PAGE}.md) | 5 | 7 |"]
    assert not (wiki / "_Sidebar.md").exists() and not (wiki / "Home.md").exists()


def test_index_option_and_existing_markers_keep_the_users_text(cli, pm: Path, tmp_path: Path) -> None:
    wiki = tmp_path / "wiki"
    wiki.mkdir()
    user = f"# Retros\n\nIntro by the team.\n\n{START}\nold table\n{END}\n\nFooter the team wrote.\n"
    (wiki / "Retros.md").write_text(user, encoding="utf-8")
    (wiki / "_Sidebar.md").write_text("* [Handbook](Handbook)\n", encoding="utf-8")
    result = cli("publish", pm, wiki, "--style", "github", "--index", "Retros")
    assert result.exit_code == 0, result.output
    text = (wiki / "Retros.md").read_text(encoding="utf-8")
    assert text.startswith(f"# Retros\n\nIntro by the team.\n\n{START}\n| Date |")
    assert text.endswith(f"{END}\n\nFooter the team wrote.\n")
    assert "old table" not in text and len(table_rows(text)) == 1
    assert not (wiki / "Home.md").exists()
    sidebar = (wiki / "_Sidebar.md").read_text(encoding="utf-8")
    assert sidebar.startswith("* [Handbook](Handbook)\n\n<!-- postmortem:sidebar:start -->\n**[Post-mortems](Retros)**")


MKDOCS_YML = """\
site_name: Team handbook
site_description: What we learned   # kept as written
markdown_extensions:
  - toc:
      permalink: true
      slugify: !!python/name:markdown.extensions.toc.slugify_unicode
  - tables
nav:
  - Home: index.md
  - Guides:
    - Onboarding: guides/onboarding.md
theme:
  name: mkdocs
"""


def mkdocs_project(root: Path, config: str = MKDOCS_YML) -> Path:
    (root / "docs" / "guides").mkdir(parents=True)
    (root / "docs" / "index.md").write_text("# Handbook\n", encoding="utf-8")
    (root / "docs" / "guides" / "onboarding.md").write_text("# Onboarding\n", encoding="utf-8")
    (root / "mkdocs.yml").write_text(config, encoding="utf-8")
    return root


def test_mkdocs_site_builds_strict_with_pages_index_and_nav(cli, pm: Path, tmp_path: Path) -> None:
    site = mkdocs_project(tmp_path / "site")
    other = second_postmortem(cli, tmp_path, "Laptop refresh", "2026-03-14", ["Order spares early"])
    for folder in (pm, other, pm):
        result = cli("publish", folder, site, "--style", "mkdocs")
        assert result.exit_code == 0, result.output
    pages = site / "docs" / "postmortems"
    assert (pages / f"{PAGE}.md").read_text(encoding="utf-8") == rendered(cli, pm, f"{PAGE}--answers.md")
    assert (pages / f"{PAGE}.record.toml").is_file()
    assert len(table_rows((pages / "index.md").read_text(encoding="utf-8"))) == 2

    config = (site / "mkdocs.yml").read_text(encoding="utf-8")
    assert config.startswith(MKDOCS_YML.split("theme:")[0])  # every line of the user's nav and settings kept
    assert config.endswith("theme:\n  name: mkdocs\n")
    assert config.count("postmortems/index.md") == 1 and config.count(f"postmortems/{PAGE}.md") == 1
    assert '  - Post-mortems:\n      - postmortems/index.md\n      - "2026-11-20 Colorado office compliance rollout"' in config

    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "built")],
        cwd=site, capture_output=True, text=True, timeout=120,
    )
    assert build.returncode == 0, build.stderr
    built = tmp_path / "built" / "postmortems"
    page = (built / PAGE / "index.html").read_text(encoding="utf-8")
    assert "Post-mortem: Colorado office compliance rollout" in page and "<table>" in page
    assert "Daily 10-minute check-in at 9:00 instead of drop-ins" in page
    index = (built / "index.html").read_text(encoding="utf-8")
    table = index.split("<table>", 1)[1].split("</table>", 1)[0]  # the index table (the theme has tables of its own)
    assert table.count("<tr>") == 3  # header and two post-mortems
    assert f'<a href="{PAGE}/">Colorado office compliance rollout</a>' in table
    assert table.index(PAGE) < table.index('<a href="Postmortem-2026-03-14-laptop-refresh/">Laptop refresh</a>')
    assert f'href="{PAGE}/" class="dropdown-item">2026-11-20 Colorado office compliance rollout</a>' in index  # in the nav
    assert "Post-mortems" in (tmp_path / "built" / "index.html").read_text(encoding="utf-8")  # in the site's nav


def test_mkdocs_without_nav_is_left_alone(cli, pm: Path, tmp_path: Path) -> None:
    config = "site_name: Auto nav\ndocs_dir: pages  # our docs folder\n"
    site = tmp_path / "site"
    site.mkdir()
    (site / "mkdocs.yml").write_text(config, encoding="utf-8")
    assert cli("publish", pm, site, "--style", "mkdocs").exit_code == 0
    assert (site / "mkdocs.yml").read_text(encoding="utf-8") == config
    assert (site / "pages" / "postmortems" / f"{PAGE}.md").is_file()
    assert (site / "pages" / "postmortems" / "index.md").is_file()
    assert not (site / "docs").exists()


def one_line_error(result, *parts: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    for part in parts:
        assert part in result.stderr, result.stderr


def test_missing_wiki_folder_is_a_clear_error(cli, pm: Path, tmp_path: Path) -> None:
    missing = tmp_path / "no-wiki"
    one_line_error(cli("publish", pm, missing, "--style", "github"), str(missing), "no such wiki folder")
    assert not missing.exists()
    a_file = tmp_path / "file.md"
    a_file.write_text("x", encoding="utf-8")
    one_line_error(cli("publish", pm, a_file, "--style", "plain"), str(a_file), "not a folder")


def test_read_only_wiki_is_a_clear_error(cli, pm: Path, tmp_path: Path, monkeypatch) -> None:
    wiki = tmp_path / "wiki"
    wiki.mkdir()
    wiki.chmod(0o555)
    if os.geteuid() == 0:  # root may write anywhere; pretend it may not, as anyone else
        real_access = os.access
        monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if Path(p) == wiki and mode & os.W_OK else real_access(p, mode, **kw))
    try:
        one_line_error(cli("publish", pm, wiki, "--style", "github"), str(wiki), "not writable")
    finally:
        wiki.chmod(0o755)
    assert list(wiki.iterdir()) == []


@pytest.mark.parametrize(
    ("home", "line"),
    [
        (f"# Home\n\n{START}\nno end marker\n", 3),
        (f"# Home\n{END}\n{START}\n", 2),
        (f"{START}\n{END}\n{START}\n{END}\n", 3),
    ],
)
def test_broken_markers_are_refused_and_nothing_is_written(cli, pm: Path, tmp_path: Path, home: str, line: int) -> None:
    wiki = tmp_path / "wiki"
    wiki.mkdir()
    (wiki / "Home.md").write_text(home, encoding="utf-8")
    one_line_error(cli("publish", pm, wiki, "--style", "github"), f"{wiki / 'Home.md'}:{line}:", "markers")
    assert (wiki / "Home.md").read_text(encoding="utf-8") == home
    assert sorted(p.name for p in wiki.iterdir() if not p.name.startswith(".")) == ["Home.md"]


def test_bad_mkdocs_projects_are_refused(cli, pm: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    one_line_error(cli("publish", pm, site, "--style", "mkdocs"), "no mkdocs.yml")
    inline = "site_name: X\nnav: [index.md]\n"
    (site / "mkdocs.yml").write_text(inline, encoding="utf-8")
    one_line_error(cli("publish", pm, site, "--style", "mkdocs"), f"{site / 'mkdocs.yml'}:2:", "block list")
    assert (site / "mkdocs.yml").read_text(encoding="utf-8") == inline
    assert not list((site / "docs" / "postmortems").glob("*.md"))
    (site / "mkdocs.yml").write_text("site_name: X\ndocs_dir: ../elsewhere\n", encoding="utf-8")
    one_line_error(cli("publish", pm, site, "--style", "mkdocs"), "outside the project")


def test_bad_usage_is_refused(cli, pm: Path, tmp_path: Path) -> None:
    wiki = tmp_path / "wiki"
    wiki.mkdir()
    one_line_error(cli("publish", pm, wiki, "--style", "confluence"), "github, mkdocs, plain")
    one_line_error(cli("publish", pm, wiki, "--style", "github", "--index", "../Home"), "--index")
    unmerged = tmp_path / "unmerged"
    unmerged.mkdir()
    one_line_error(cli("publish", unmerged, wiki, "--style", "github"), "run `postmortem merge")
    assert list(wiki.iterdir()) == []


def test_nav_written_without_indent_and_followed_by_a_comment(cli, pm: Path, tmp_path: Path) -> None:
    config = "site_name: X\nnav:\n- Home: index.md\n- Guides:\n  - guides/onboarding.md\n\n# Look and feel\ntheme: mkdocs\n"
    site = mkdocs_project(tmp_path / "site", config)
    for _ in range(2):
        assert cli("publish", pm, site, "--style", "mkdocs").exit_code == 0
    assert (site / "mkdocs.yml").read_text(encoding="utf-8") == (
        "site_name: X\nnav:\n- Home: index.md\n- Guides:\n  - guides/onboarding.md\n"
        "# postmortem:nav:start\n- Post-mortems:\n    - postmortems/index.md\n"
        f'    - "2026-11-20 Colorado office compliance rollout": postmortems/{PAGE}.md\n# postmortem:nav:end\n'
        "\n# Look and feel\ntheme: mkdocs\n"
    )
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "built")],
        cwd=site, capture_output=True, text=True, timeout=120,
    )
    assert build.returncode == 0, build.stderr
    assert (tmp_path / "built" / "postmortems" / PAGE / "index.html").is_file()
    assert not list((site / "docs").rglob("*publish*.lock"))  # the wiki-wide lock stays out of the docs


def test_closing_an_action_in_the_wiki_copy_is_not_reopened_silently(cli, pm: Path, tmp_path: Path) -> None:
    wiki = tmp_path / "wiki"
    wiki.mkdir()
    assert cli("publish", pm, wiki, "--style", "plain").exit_code == 0
    published = wiki / f"{PAGE}.record.toml"
    copy = read(published)
    copy["sections"][2]["items"][1]["status"] = "done"  # A2 closed from a wiki checkout
    published.write_text(store.dumps(copy), encoding="utf-8")
    result = cli("publish", pm, wiki, "--style", "plain")
    assert result.exit_code == 0, result.output
    assert "warning: A2 was done in" in result.stderr and "postmortem edit A2 --status done" in result.stderr
    assert read(published)["sections"][2]["items"][1]["status"] == "open"
    result = cli("publish", pm, wiki, "--style", "plain")
    assert "warning" not in result.stderr


def test_concurrent_publishes_into_one_wiki_keep_every_row(cli, tmp_path: Path) -> None:
    wiki = tmp_path / "wiki"
    wiki.mkdir()
    folders = [second_postmortem(cli, tmp_path, f"Project {n}", f"2026-0{n}-01", []) for n in range(1, 6)]
    procs = [
        subprocess.Popen([sys.executable, "-m", "postmortem", "publish", str(f), str(wiki), "--style", "github"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for f in folders
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    rows = table_rows((wiki / "Home.md").read_text(encoding="utf-8"))
    assert [row.split(" | ")[0] for row in rows] == [f"| 2026-0{n}-01" for n in range(5, 0, -1)]
    sidebar = (wiki / "_Sidebar.md").read_text(encoding="utf-8")
    assert sum(line.startswith("- [") for line in sidebar.splitlines()) == 5


def test_index_page_that_is_not_utf8_is_left_untouched(cli, pm: Path, tmp_path: Path) -> None:
    wiki = tmp_path / "wiki"
    wiki.mkdir()
    home = "# Café\n".encode("latin-1")
    (wiki / "Home.md").write_bytes(home)
    one_line_error(cli("publish", pm, wiki, "--style", "github"), str(wiki / "Home.md"), "not UTF-8")
    assert (wiki / "Home.md").read_bytes() == home
    assert not (wiki / f"{PAGE}.md").exists()


def tree(root: Path) -> dict[str, bytes | str]:
    return {
        str(p.relative_to(root)): f"-> {os.readlink(p)}" if p.is_symlink() else p.read_bytes()
        for p in sorted(root.rglob("*")) if p.is_symlink() or p.is_file()
    }


@pytest.mark.parametrize(
    "link", ["docs/postmortems", "docs/postmortems/index.md", f"docs/postmortems/{PAGE}.record.toml", f"docs/postmortems/{PAGE}.md"]
)
def test_a_wiki_folder_or_file_linked_out_of_the_wiki_is_refused_before_anything_is_written(cli, pm: Path, tmp_path: Path, link: str) -> None:
    site = mkdocs_project(tmp_path / "site")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "index.md").write_text("# Someone else's page\n", encoding="utf-8")
    (outside / f"{PAGE}.record.toml").write_text("# not ours\n", encoding="utf-8")
    (outside / f"{PAGE}.md").write_text("# not ours\n", encoding="utf-8")
    (site / "docs" / "postmortems").mkdir(exist_ok=link == "docs/postmortems")
    if link == "docs/postmortems":
        (site / "docs" / "postmortems").rmdir()
        (site / link).symlink_to(os.path.relpath(outside, site / "docs"), target_is_directory=True)
    else:
        (site / link).symlink_to(outside / Path(link).name)
    before_site, before_outside = tree(site), tree(outside)

    result = cli("publish", pm, site, "--style", "mkdocs")

    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.startswith(f"postmortem: {site / link}: ") and len(result.stderr.splitlines()) == 1, result.stderr
    assert "symbolic link" in result.stderr
    assert tree(outside) == before_outside
    assert {k: v for k, v in tree(site).items() if not k.endswith(".lock")} == before_site


def test_a_pages_folder_linked_within_the_wiki_is_fine(cli, pm: Path, tmp_path: Path) -> None:
    site = mkdocs_project(tmp_path / "site")
    (site / "docs" / "reviews").mkdir()
    (site / "docs" / "postmortems").symlink_to("reviews", target_is_directory=True)
    result = cli("publish", pm, site, "--style", "mkdocs")
    assert result.exit_code == 0, result.output
    assert (site / "docs" / "reviews" / f"{PAGE}.md").is_file() and (site / "docs" / "reviews" / "index.md").is_file()


def _fail_at(monkeypatch, name: str, call: int) -> None:
    """os.<name> fails with a full disk at its call-th call."""
    import errno

    real, calls = getattr(os, name), []

    def failing(*args, **kwargs):
        calls.append(args)
        if len(calls) == call:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(*args, **kwargs)

    monkeypatch.setattr(os, name, failing)


@pytest.mark.parametrize("call", [1, 2, 3, 4])
def test_a_full_disk_leaves_the_wiki_as_it_was(cli, pm: Path, tmp_path: Path, monkeypatch, call: int) -> None:
    wiki = tmp_path / "wiki"
    wiki.mkdir()
    assert cli("publish", pm, wiki, "--style", "github").exit_code == 0
    assert cli("edit", "summary", pm, "--text", "A second look").exit_code == 0
    other = second_postmortem(cli, tmp_path, "Laptop refresh", "2026-03-14", ["Order spares early"])
    for folder in (pm, other):  # republishing one page, and publishing a new one
        before = tree(wiki)
        _fail_at(monkeypatch, "fsync", call)  # each file's temp copy is fsynced: the call-th one fails
        result = cli("publish", folder, wiki, "--style", "github")
        monkeypatch.undo()
        assert result.exit_code == 2 and result.stderr.endswith(": cannot write: No space left on device\n"), result.output
        assert {k: v for k, v in tree(wiki).items() if not k.endswith(".lock")} == {k: v for k, v in before.items() if not k.endswith(".lock")}


@pytest.mark.parametrize("call", [1, 2, 3, 4, 5])
def test_files_replace_in_an_order_that_keeps_the_wiki_consistent(cli, tmp_path: Path, monkeypatch, call: int) -> None:
    """Should a rename fail half-way, what is new is a prefix of: the page of answers, the page linking it,
    its record, the index, the sidebar."""
    wiki = tmp_path / "wiki"
    wiki.mkdir()
    folder = second_postmortem(cli, tmp_path, "Laptop refresh", "2026-03-14", ["Order spares early"])
    _fail_at(monkeypatch, "replace", call)
    result = cli("publish", folder, wiki, "--style", "github")
    monkeypatch.undo()
    assert result.exit_code == 2, result.output
    page = "Postmortem-2026-03-14-laptop-refresh"
    names = (f"{page}--answers.md", f"{page}.md", f"{page}.record.toml", "Home.md", "_Sidebar.md")
    written = [(wiki / name).exists() for name in names]
    assert written == [n < call - 1 for n in range(5)]
    assert not list(wiki.glob(".*.tmp"))
