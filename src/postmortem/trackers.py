"""Open actions into issue trackers: a bash script of `gh issue create` or `glab issue create`
commands, or the CSV that Jira's importer takes; and `actions link`, which records an issue's URL
on its action so that it is not exported again.

Owners become tracker logins through the `[people]` table of the config file (config.toml in the
user's config folder, or --config):

    [people]
    Kyle = "kyle-h"                                      # the same login everywhere
    Jessica = { github = "jess", gitlab = "jvega", jira = "jessica.vega", email = "jessica@example.org" }
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from postmortem import escape
from postmortem.errors import PostmortemError, about
from postmortem.actions import due_date, items_of
from postmortem.followup import Found

TRACKERS = ("github", "gitlab", "jira-csv")
LABEL = "postmortem"
CONFIG_NAME = "config.toml"
JIRA_COLUMNS = ("Summary", "Description", "Assignee", "Due date", "Labels")
_PROGRAM = {"github": "gh", "gitlab": "glab"}


def default_config() -> Path:
    from postmortem.resources import user_dir

    return user_dir() / CONFIG_NAME


def load_people(path: Path | None) -> dict[str, dict[str, str] | str]:
    """The config file's [people] table (none when the default file does not exist)."""
    from postmortem import store

    if path is None:
        path = default_config()
        if not path.is_file():
            return {}
    data = store.read_toml(path)
    people = data.get("people", {})
    with about(path):
        if not isinstance(people, dict):
            raise PostmortemError("[people] must be a table of name = login")
        for name, login in people.items():
            logins = login.values() if isinstance(login, dict) else [login]
            if not all(isinstance(v, str) and v.isprintable() and v and not any(c.isspace() for c in v) for v in logins):
                raise PostmortemError(f"people.{name}: a login is one word, or a table of tracker (or email) = login")
    return people


def login(people: dict[str, Any], owner: str, tracker: str) -> str:
    """The owner's login on tracker (`github`, `gitlab` or `jira`) or their `email` address, or ""
    when the config has none (a plain string is a login on every tracker, not an address)."""
    from postmortem.session import same_person

    for name, value in people.items():
        if owner and same_person(name, owner):
            return value.get(tracker, "") if isinstance(value, dict) else "" if tracker == "email" else value
    return ""


def unlinked(found: list[Found], rows: list[dict[str, Any]]) -> list[tuple[Found, dict[str, Any]]]:
    """The record and item of each selected action that has no issue linked yet."""
    return [(entry, item) for entry, item in items_of(found, rows) if not item.get("link")]


def _raised_by(item: dict[str, Any]) -> str:
    names = [str(n) for n in item.get("raised_by") or []]
    if names:
        return ", ".join(names)
    count = item.get("count") or 0
    return f"{count} {'person' if count == 1 else 'people'}" if count else ""


def issue_body(entry: Found, item: dict[str, Any]) -> str:
    """The issue's Markdown: where the action comes from, its owner and due date, who raised it in
    which words. Every value is escaped for Markdown (escape.markdown); a wording of several lines
    keeps them, as in the report (escape.markdown_deferred and escape.place)."""
    md = escape.markdown
    lines = [f"Action {md(str(item['id']))} of the post-mortem **{md(entry.project)}** ({entry.date}).", ""]
    facts = [f"{key}: {md(str(item[field]))}" for key, field in (("Owner", "owner"), ("Due", "due")) if item.get(field)]
    if _raised_by(item):
        facts.append(f"Raised by: {md(_raised_by(item))}")
    lines += [f"- {fact}" for fact in facts]
    wordings = [str(w) for w in item.get("wordings") or []]
    if wordings:
        lines += ["", "In the participants' words:", ""] + [f"- {escape.markdown_deferred(w)}" for w in wordings]
    lines += ["", f"Record: {md(str(entry.path.resolve()))}"]
    return escape.place("\n".join(lines) + "\n")


def issue_argv(tracker: str, entry: Found, item: dict[str, Any], people: dict[str, Any]) -> list[str]:
    """The `gh issue create` or `glab issue create` command for one action."""
    program = _PROGRAM[tracker]
    argv = [program, "issue", "create", "--title", escape.plain(str(item.get("text", "")))]
    argv += ["--body" if tracker == "github" else "--description", issue_body(entry, item), "--label", LABEL]
    assignee = login(people, str(item.get("owner") or ""), tracker)
    if assignee:
        argv += ["--assignee", assignee]
    if tracker == "gitlab":
        due = due_date(item.get("due"))
        if due:
            argv += ["--due-date", due.isoformat()]
        argv.append("--yes")
    return argv


def script(tracker: str, actions: list[tuple[Found, dict[str, Any]]], people: dict[str, Any]) -> str:
    """A bash script that creates one issue per action and links each back into its record, so a
    second export leaves it out. Every word is quoted by escape.shell; nothing in it is run here."""
    program = _PROGRAM[tracker]
    label = (
        f"gh label create {LABEL} --force --description 'Action items from post-mortems' >/dev/null"
        if tracker == "github"
        else f"glab label create --name {LABEL} >/dev/null 2>&1 || true"
    )
    lines = [
        "#!/usr/bin/env bash",
        f"# Written by `postmortem actions --to {tracker}`: {len(actions)} issue(s), one per open action without one.",
        f"# Run it where `{program}` knows the repository; each new issue's URL is linked back into its record.",
        "set -euo pipefail",
        label,
    ]
    for entry, item in actions:
        lines.append("url=$(" + " ".join(escape.shell(word) for word in issue_argv(tracker, entry, item, people)) + ")")
        link = ["postmortem", "actions", "link", str(item["id"])]
        lines.append(" ".join(map(escape.shell, link)) + ' "$url" ' + escape.shell(str(entry.path.resolve())))
    return "\n".join(lines) + "\n"


def jira_csv(actions: list[tuple[Found, dict[str, Any]]], people: dict[str, Any]) -> str:
    """The CSV Jira's importer takes: Summary, Description, Assignee, Due date, Labels; written as
    every CSV of actions is (output.to_csv)."""
    from postmortem.output import to_csv

    rows = []
    for entry, item in actions:
        raised = _raised_by(item)
        description = f"Action {item['id']} of the post-mortem {entry.project} ({entry.date})."
        if raised:
            description += f" Raised by: {raised}."
        if item.get("wordings"):
            description += " In the participants' words: " + "; ".join(map(str, item["wordings"])) + "."
        due = due_date(item.get("due"))
        cells = [str(item.get("text", "")), description, login(people, str(item.get("owner") or ""), "jira"), due or "", LABEL]
        rows.append(dict(zip(JIRA_COLUMNS, cells, strict=True)))
    return to_csv(rows, JIRA_COLUMNS)


def set_link(found: list[Found], reference: str, url: str) -> str:
    """Record the issue's URL on the action, in its own record, under the record's lock."""
    from postmortem import facilitate
    from postmortem.actions import resolve

    try:
        escape.url(url)
    except ValueError:
        raise PostmortemError(f"the link must be an http(s) URL without spaces, not {url!r}") from None
    entry, action_id = resolve(found, reference)

    def edit(record: dict[str, Any]) -> str:
        item = facilitate.find_action(record, action_id)
        item["link"] = url
        return f"{escape.plain(str(item['id']))} of {escape.plain(record['project'])} is linked to {url}."

    return facilitate.change(entry.path, edit)
