"""Publishing a report to a wiki folder: the page, the record beside it, and an index of every
post-mortem published there.

Styles:
- github: a GitHub or GitLab wiki clone. Pages in the wiki's root, `Home.md` (or --index) gets the
  index table, `_Sidebar.md` a list.
- mkdocs: a MkDocs project (the folder holding mkdocs.yml). Pages in `<docs_dir>/postmortems/`,
  `index.md` there, and the `nav` of mkdocs.yml updated when it lists pages explicitly.
- plain: pages and `index.md` in the folder itself.

The page is `Postmortem-<date>-<project slug>.md`, each person's answers go on
`Postmortem-<date>-<project slug>--answers.md` beside it (not for an anonymous post-mortem), linked
from it, and the record is copied beside it as
`Postmortem-<date>-<project slug>.record.toml`, so `actions` and `history` find it from a wiki
checkout alone. The index is recomputed from every `*.record.toml` published in the pages folder,
so publishing again updates the same row. Our text in a page someone else may edit (the index page,
the sidebar, mkdocs.yml) lives between marker comments; everything outside them is kept as written.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from postmortem import escape, record as record_mod, store
from postmortem.errors import PostmortemError
from postmortem.session import RECORD_SUFFIX, slugify

STYLES = ("github", "mkdocs", "plain")
PAGE_PREFIX = "Postmortem-"
ANSWERS_SUFFIX = "--answers"  # the page of each person's answers beside a report ("--" is in no slug)
INDEX_MARKERS = ("<!-- postmortem:index:start -->", "<!-- postmortem:index:end -->")
SIDEBAR_MARKERS = ("<!-- postmortem:sidebar:start -->", "<!-- postmortem:sidebar:end -->")
NAV_MARKERS = ("# postmortem:nav:start", "# postmortem:nav:end")
MKDOCS_FILE = "mkdocs.yml"
MKDOCS_SECTION = "postmortems"


@dataclass
class Published:
    """What publish wrote, for the message and for tests."""

    page: Path
    record: Path
    index: Path
    answers: Path | None = None  # the page of each person's answers
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Entry:
    name: str  # page name without .md
    project: str
    date: dt.date
    participants: int
    open_actions: int


# --- where things go ------------------------------------------------------------------------


def _check_wiki(wiki: Path) -> None:
    if not wiki.exists():
        raise PostmortemError("no such wiki folder; clone the wiki or create the folder first", path=wiki)
    if not wiki.is_dir():
        raise PostmortemError("is not a folder; give the wiki's folder", path=wiki)
    if not os.access(wiki, os.W_OK | os.X_OK):
        raise PostmortemError("wiki folder is not writable", path=wiki)


def _confine(wiki: Path, folders: list[Path], files: list[Path]) -> None:
    """Refuse, before anything is written, a folder publish writes in that resolves outside the wiki
    (a symbolic link out of it, anywhere on the way), or a file it writes that is a link or a folder."""
    root = wiki.resolve()
    for folder in folders:
        if not folder.resolve().is_relative_to(root):
            raise PostmortemError("leads outside the wiki folder (a symbolic link); publish only writes inside it", path=folder)
    for path in files:
        _read_optional(path)


def _docs_dir(wiki: Path) -> tuple[Path, str]:
    """The MkDocs docs folder (docs_dir of mkdocs.yml, default docs) and mkdocs.yml's text."""
    config = wiki / MKDOCS_FILE
    if not config.is_file():
        raise PostmortemError(f"no {MKDOCS_FILE} here; give the folder of the MkDocs project", path=wiki)
    text = _read_optional(config) or ""
    match = re.search(r"""^docs_dir:[ \t]*(?:"([^"\n]*)"|'([^'\n]*)'|([^#\n]*?))[ \t]*(?:#.*)?$""", text, re.MULTILINE)
    name = next((g for g in match.groups() if g), "docs") if match else "docs"
    docs = wiki / name
    if not docs.resolve().is_relative_to(wiki.resolve()):
        raise PostmortemError(f"docs_dir {name!r} is outside the project; publish only writes inside it", path=config)
    return docs, text


def _index_name(index: str | None, default: str) -> str:
    if not index:
        return default
    name = index if index.lower().endswith(".md") else f"{index}.md"
    if "/" in name or "\\" in name or name.startswith((".", PAGE_PREFIX)) or name.casefold() == "_sidebar.md":
        raise PostmortemError(f"--index must be a page name in the wiki's folder (such as Home.md), not {index!r}")
    return name


def page_base(record: dict[str, Any]) -> str:
    """`Postmortem-2026-11-20-colorado-office-compliance-rollout`: the date and the project's slug."""
    return f"{PAGE_PREFIX}{record['date'].isoformat()}-{slugify(record['project'])}"


def _same_postmortem(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a.get("date") == b.get("date") and str(a.get("project", "")).strip().casefold() == str(b.get("project", "")).strip().casefold()


def _page_name(pages: Path, record: dict[str, Any]) -> str:
    """This post-mortem's page: the one already published for it, else the first free name
    (another project whose name gives the same slug on the same date gets -2, -3, ...)."""
    base = page_base(record)
    for number in range(1, 1000):
        name = base if number == 1 else f"{base}-{number}"
        published = pages / f"{name}{RECORD_SUFFIX}"
        if not published.exists() or _same_postmortem(record_mod.load_record(published), record):
            return name
    raise PostmortemError(f"too many pages named {base}*", path=pages)


# --- the index ------------------------------------------------------------------------------


def _entries(pages: Path, current: _Entry, skipped: list[str]) -> list[_Entry]:
    """Every post-mortem published in pages (its record and its page both there), newest first;
    a record that does not read is left out of the index and named in skipped."""
    entries = {current.name: current}
    for path in sorted(pages.glob(f"{PAGE_PREFIX}*{RECORD_SUFFIX}")):
        name = path.name[: -len(RECORD_SUFFIX)]
        if name in entries or not (pages / f"{name}.md").is_file():
            continue
        try:
            entries[name] = _entry(name, record_mod.load_record(path))
        except PostmortemError as err:
            skipped.append(f"left out of the index: {err}")
    return sorted(entries.values(), key=lambda e: (e.date, e.project.casefold(), e.name), reverse=True)


def _entry(name: str, record: dict[str, Any]) -> _Entry:
    open_actions = sum(record_mod.status(i) in record_mod.OPEN for i in record_mod.actions(record))
    participants = record.get("participant_count")
    if not isinstance(participants, int) or isinstance(participants, bool):
        participants = len(record.get("participants") or [])
    return _Entry(name, record["project"], record["date"], participants, open_actions)


def _target(page: str, style: str) -> str:
    """How one page links another: a GitHub wiki by the page's name, the others by its file."""
    return page if style == "github" else f"{page}.md"


def _link(entry: _Entry, style: str) -> str:
    return f"[{escape.markdown_link_text(entry.project)}]({_target(entry.name, style)})"


def index_table(entries: list[_Entry], style: str) -> str:
    lines = ["| Date | Project | Participants | Open actions |", "|------|---------|--------------|--------------|"]
    lines += [f"| {e.date.isoformat()} | {_link(e, style)} | {e.participants} | {e.open_actions} |" for e in entries]
    return "\n".join(lines)


def sidebar_list(entries: list[_Entry], index_name: str) -> str:
    home = index_name[:-3]
    lines = [f"**[Post-mortems]({home})**", ""]
    lines += [f"- [{e.date.isoformat()} {escape.markdown_link_text(e.project)}]({e.name})" for e in entries]
    return "\n".join(lines)


def _marked(lines: list[str], markers: tuple[str, str], path: Path, offset: int = 0) -> tuple[int, int] | None:
    """The indexes of our start and end marker lines, or None when there are none; markers that
    are not exactly one start before one end are refused (naming the line), never guessed at."""
    starts = [n for n, line in enumerate(lines) if line.strip() == markers[0]]
    ends = [n for n, line in enumerate(lines) if line.strip() == markers[1]]
    if not starts and not ends:
        return None
    if len(starts) == 1 and len(ends) == 1 and starts[0] < ends[0]:
        return starts[0], ends[0]
    bad = starts[1] if len(starts) > 1 else ends[1] if len(ends) > 1 else starts[0] if not ends else ends[0]
    raise PostmortemError(
        f"the markers `{markers[0]}` and `{markers[1]}` must appear once each, in that order; fix it by hand",
        path=path, line=offset + bad + 1,
    )


def splice(text: str | None, block: str, markers: tuple[str, str], path: Path, title: str | None) -> str:
    """text with block between our markers: replaced there when present, else appended at the end
    under a `## title` (a new page is a `# title` and the block). Nothing else in text changes."""
    marked = f"{markers[0]}\n{block}\n{markers[1]}\n"
    if text is None or not text.strip():
        return f"# {title}\n\n{marked}" if title else marked
    lines = text.splitlines(keepends=True)
    where = _marked(lines, markers, path)
    if where is None:
        return f"{text.rstrip()}\n\n" + (f"## {title}\n\n" if title else "") + marked
    start, end = where
    return "".join(lines[:start]) + marked + "".join(lines[end + 1 :])


# --- mkdocs.yml -------------------------------------------------------------------------------


def _nav_title(text: str) -> str:
    """A nav title as a YAML double-quoted string, without anything a theme could take for HTML."""
    return json.dumps(re.sub(r"[<>&]", " ", escape.plain(text)).strip() or "Post-mortem")


def update_nav(text: str, entries: list[_Entry], index_name: str, path: Path) -> str | None:
    """mkdocs.yml with our Post-mortems section in its nav, or None when nav is not listed (MkDocs
    then finds every page itself). A minimal textual edit: every other line stays as written."""
    lines = text.splitlines(keepends=True)
    nav = next((n for n, line in enumerate(lines) if re.match(r"nav\s*:", line)), None)
    if nav is None:
        return None
    if lines[nav].split(":", 1)[1].split("#", 1)[0].strip():
        raise PostmortemError(
            "nav is written on one line; write it as a block list (one `- page` a line) so publish can add its section",
            path=path, line=nav + 1,
        )
    end = nav + 1  # the nav block: everything up to the next top-level key
    while end < len(lines) and (not lines[end].strip() or lines[end][0] in " \t-#"):
        end += 1
    while end > nav + 1 and (not lines[end - 1].strip() or (lines[end - 1].startswith("#") and lines[end - 1].strip() not in NAV_MARKERS)):
        end -= 1  # blank lines and top-level comments after the list belong to what follows
    block = lines[nav + 1 : end]
    items = [line for line in block if line.lstrip().startswith("- ") or line.strip() == "-"]
    indent = (items[0][: len(items[0]) - len(items[0].lstrip())] if items else "  ").replace("\t", "    ")
    ours = [
        f"{indent}{NAV_MARKERS[0]}\n",
        f"{indent}- Post-mortems:\n",
        f"{indent}    - {MKDOCS_SECTION}/{index_name}\n",
        *(f"{indent}    - {_nav_title(f'{e.date.isoformat()} {e.project}')}: {MKDOCS_SECTION}/{e.name}.md\n" for e in entries),
        f"{indent}{NAV_MARKERS[1]}\n",
    ]
    where = _marked(block, NAV_MARKERS, path, offset=nav + 1)
    if where is not None:
        block = block[: where[0]] + ours + block[where[1] + 1 :]
    else:
        if block and not block[-1].endswith("\n"):
            block[-1] += "\n"
        block = block + ours
    return "".join(lines[: nav + 1] + block + lines[end:])


def _closed_in_wiki(published: Path, record: dict[str, Any]) -> list[str]:
    """Actions closed in the wiki's copy (`actions done` in a wiki checkout, say) that the record
    being published still has open: publishing replaces the copy, so say which, by id."""
    def states(rec: dict[str, Any]) -> dict[str, str]:
        return {str(i["id"]): record_mod.status(i) for i in record_mod.actions(rec)}

    before, after = states(record_mod.load_record(published)), states(record)
    return [
        f"{action_id} was {state} in {published}, the record published now has it {after[action_id]}; "
        f"set it in the post-mortem's own record too (`postmortem edit {escape.shell(action_id)} --status {escape.shell(state)}`) and publish again"
        for action_id, state in before.items()
        if state not in record_mod.OPEN and after.get(action_id, state) in record_mod.OPEN
    ]


# --- publish ----------------------------------------------------------------------------------


def _read_optional(path: Path) -> str | None:
    if path.is_symlink():
        raise PostmortemError("is a symbolic link; refusing to write through it", path=path)
    if not path.exists():
        return None
    if not path.is_file():
        raise PostmortemError("is not a file", path=path)
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise PostmortemError("is not UTF-8 text; refusing to change it", path=path) from None


def publish(record_path: Path, wiki: Path, style: str, index: str | None = None, template: str | None = None) -> Published:
    """Write the report of the record at record_path into wiki, the record beside it, and the index."""
    from postmortem import render

    if style not in STYLES:
        raise PostmortemError(f"--style must be one of {', '.join(STYLES)}, not {style!r}")
    _check_wiki(wiki)
    record = record_mod.load_record(record_path)
    record_text = record_path.read_text(encoding="utf-8")
    answers = not record.get("anonymous") and bool(record.get("responses"))

    mkdocs_text = None
    if style == "mkdocs":
        docs, mkdocs_text = _docs_dir(wiki)
        pages = docs / MKDOCS_SECTION
        index_name = _index_name(index, "index.md")
    else:
        pages = wiki
        index_name = _index_name(index, "Home.md" if style == "github" else "index.md")
    _confine(wiki, [pages], [])
    existing = next(p for p in (pages, *pages.parents) if p.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise PostmortemError("is not a writable folder", path=existing)

    with record_mod.locked(wiki / "postmortem-publish"):  # one publish into a wiki at a time
        if style == "mkdocs":
            _, mkdocs_text = _docs_dir(wiki)  # read again under the lock: another publish may have changed it
        name = _page_name(pages, record)
        skipped: list[str] = []
        entries = _entries(pages, _entry(name, record), skipped)
        index_path = pages / index_name
        index_text = splice(
            _read_optional(index_path), index_table(entries, style), INDEX_MARKERS, index_path, "Post-mortems"
        )
        answers_name = f"{name}{ANSWERS_SUFFIX}"
        report = render.render_markdown(record, template, _target(answers_name, style) if answers else None)
        answers_page = pages / f"{answers_name}.md" if answers else None
        linked = [(answers_page, render.render_answers(record, _target(name, style)))] if answers_page else []
        writes: list[tuple[Path, str]] = [(pages / f"{name}.md", report), (index_path, index_text)]
        if style == "github":
            sidebar = pages / "_Sidebar.md"
            writes.append((sidebar, splice(_read_optional(sidebar), sidebar_list(entries, index_name), SIDEBAR_MARKERS, sidebar, None)))
        if mkdocs_text is not None:
            config = wiki / MKDOCS_FILE
            updated = update_nav(mkdocs_text, entries, index_name, config)
            if updated is not None and updated != mkdocs_text:
                writes.append((config, updated))
        published_record = pages / f"{name}{RECORD_SUFFIX}"
        _confine(wiki, [pages], [path for path, _ in linked + writes] + [published_record])  # refuse before writing anything
        pages.mkdir(parents=True, exist_ok=True)
        with record_mod.locked(published_record):
            warnings = skipped + (_closed_in_wiki(published_record, record) if published_record.exists() else [])
            # all on disk before any is replaced; then the answers page, the page linking it, the record beside it, and what links to them
            store.atomic_write_all([*linked, writes[0], (published_record, record_text), *writes[1:]])
    return Published(page=pages / f"{name}.md", record=published_record, index=index_path, answers=answers_page, warnings=warnings)
