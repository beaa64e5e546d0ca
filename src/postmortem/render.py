"""The report: a record rendered to Markdown through Jinja2 templates under templates/reports."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from postmortem import escape
from postmortem.errors import PostmortemError
from postmortem.record import SECTION_LISTS, status as action_status, without_names
from postmortem.resources import templates_dir

BAR_WIDTH = 20
# A report is one page a reader takes in at a glance, even when thousands answered; the record keeps everything.
SHOWN = 100  # entries of a section's list, arrows of the service diagram, participants named
NAMED = 10  # names shown for who raised one entry, and roles and interests of one stakeholder
# A template is its author's own code: what it may make is bounded, so a mistake ends with one line, not a hang.
MAX_REPORT = 50_000_000  # characters of a report, and of one value a template builds with `*`
MAX_POWER_BITS = 100_000  # size of a number a template builds with `**`
MAX_RANGE_STEPS = 10_000_000  # steps of all the range()s of one report together: nested loops of 10^10 end at once


TARGETS = ("markdown", "html")  # what render --to makes


def reports_dir() -> Path:
    return templates_dir() / "reports"


def _finalize(value: Any) -> Any:
    """Every {{ value }} in a template is escaped here, so no template can forget it."""
    if type(value) is str:  # the common case first: a plain string (Markup is a subclass, not this)
        return escape.markdown_deferred(value)
    from markupsafe import Markup

    if isinstance(value, Markup) or (isinstance(value, (int, float, dt.date)) and not isinstance(value, bool)):
        return value
    if value is None:
        return ""
    return escape.markdown_deferred(str(value))


def _bar(count: int, largest: int) -> Any:
    from markupsafe import Markup

    width = round(BAR_WIDTH * count / largest) if largest else 0
    return Markup("█" * width)


def _shortlist(values: list[Any], separator: str = ", ") -> str:
    """values joined, the first NAMED of them when there are more."""
    if len(values) <= NAMED:
        return separator.join(map(str, values))
    return f"{separator.join(map(str, values[:NAMED]))} and {len(values) - NAMED} more"


def _raised_by(entry: dict[str, Any]) -> str:
    names = entry.get("raised_by") or []
    count = entry.get("count", len(names))
    if not names:
        return f"{count} {'person' if count == 1 else 'people'}" if count else "—"
    return _shortlist(names)


def _at_a_glance(record: dict[str, Any]) -> dict[str, Any]:
    """The record as the report shows it: each section's list cut to its first SHOWN entries (in
    the record's order: most votes, then most raised, first), with `left_out` counting the rest;
    past SHOWN participants, no list of names (the page of answers has everyone's)."""
    view = dict(record)
    sections = []
    for section in record.get("sections", []):
        key = SECTION_LISTS.get(section.get("kind")) if isinstance(section, dict) else None
        entries = section.get(key) if key else None
        if isinstance(entries, list) and len(entries) > SHOWN:
            section = {**section, key: entries[:SHOWN], "left_out": len(entries) - SHOWN}
        sections.append(section)
    view["sections"] = sections
    if len(record.get("participants") or []) > SHOWN:
        view["participants"] = []
    return view


# A closed action is marked, so it reads as done at a glance.
_CLOSED = {"done": "✓ done", "dropped": "✗ dropped"}


def _status(action: dict[str, Any]) -> str:
    """An action's status as the report shows it: open unless the record says otherwise."""
    status = action_status(action)
    return _CLOSED.get(status, status)


def _with_who(entry: dict[str, Any], field: str, plural: str) -> str:
    """The distinct values given for field (a stakeholder's roles, say), each with who gave it when they differ."""
    given = [g for g in entry.get(f"{field}_given") or [] if isinstance(g, dict)]
    if given:
        return _shortlist([f"{g.get('value', '')} ({_raised_by(g)})" for g in given], "; ")
    return _shortlist(entry.get(plural) or [], "; ")


def _one_value(item: dict[str, Any], field: str) -> str:
    """A field that takes one value (owner, due, type), with the others given for it when they differ."""
    value = item.get(field)
    others = [str(g["value"]) for g in item.get(f"{field}_given") or [] if isinstance(g, dict) and g.get("value") != value]
    return (str(value) if value else "—") + (f" (also given: {', '.join(others)})" if others else "")


def _action_id(item: dict[str, Any]) -> Any:
    """The action's id, linked to its issue when `actions link` recorded one (a link that is not an
    http(s) URL shows the id alone)."""
    from markupsafe import Markup

    shown = escape.markdown(str(item.get("id", "")))
    try:
        return Markup(f"[{shown}]({escape.url(item['link'])})")
    except (KeyError, TypeError, ValueError):
        return Markup(shown)


def _item_line(entry: Any) -> str:
    if isinstance(entry, str):
        return entry
    details = [f"{key}: {value}" for key, value in entry.items() if key != "text"]
    return entry.get("text", "") + (f" ({'; '.join(details)})" if details else "")


def _scores_line(entry: dict[str, Any], section: dict[str, Any]) -> str:
    key = next((k for k in entry if k not in section.get("dimensions", [])), "")
    scores = ", ".join(f"{d.replace('_', ' ')} {entry[d]}" for d in section.get("dimensions", []) if d in entry)
    return f"{entry.get(key, '')}: {scores}"


def _clock_face(incident: Any) -> Any:
    """`when(time)` for the templates: an event (its `at`) or an incident time (as typed) in one form
    on the record's clock (merge.Clock), 09:03 on the incident's day, 2026-11-19 11:00 on another;
    a time that is not one, or a record without a clock, as typed."""
    from postmortem.merge import Clock

    clock = Clock.from_record(incident) if isinstance(incident, dict) else None

    def when(value: Any) -> str:
        typed = value.get("time", "") if isinstance(value, dict) else str(value)
        at = value.get("at") if isinstance(value, dict) else clock.moment(typed) if clock else None
        if clock is None or not isinstance(at, dt.datetime):
            return typed
        form = "%H:%M:%S" if at.second else "%H:%M"
        return at.strftime(form if at.date() == clock.day else f"%Y-%m-%d {form}")

    return when


def _team_of(role: str, teams: list[str]) -> str | None:
    """The team a participant's role names (the one named first): "IT service desk technician" is in IT."""
    words = re.findall(r"\w+", role.casefold())
    found = []
    for team in teams:
        named = re.findall(r"\w+", team.casefold())
        at = next((i for i in range(len(words) - len(named) + 1) if named and words[i : i + len(named)] == named), None)
        if at is not None:
            found.append((at, -len(named), team))
    return min(found)[2] if found else None


def _service_graph(sections: list[dict[str, Any]], participants: list[dict[str, Any]] | None = None) -> Any:
    """A Mermaid flowchart of which team served which, from the `served` and `served_by` people
    questions, with how many people said so on each arrow. A participant stands for their team: their
    `team` answer, else the team their role names, else their role, else "Team not given"; someone
    named who did not answer stands for the team their role in the entry names, so no arrow starts or
    ends at a person whose team is known. Teams are one node by the name-matching rule of merge (the
    grouping key), spelled as most people did."""
    from markupsafe import Markup

    from postmortem import grouping

    by_id = {s.get("id"): s for s in sections}
    said: list[tuple[str, str, str]] = []  # (who served, who was served, who said so)
    for person in by_id.get("served", {}).get("people", []):
        said += [(name, person["name"], name) for name in person.get("raised_by", [])]
    for person in by_id.get("served_by", {}).get("people", []):
        said += [(person["name"], name, name) for name in person.get("raised_by", [])]
    if not said:
        return Markup("")
    teams = [p["name"] for key in ("served", "served_by") for p in by_id.get(key, {}).get("people", [])]
    answered = {a["name"].casefold(): a["text"] for a in by_id.get("team", {}).get("answers", []) if a.get("name") and a.get("text")}
    team_of = {
        p["name"].casefold(): answered.get(p["name"].casefold()) or _team_of(p.get("role") or "", teams) or p.get("role") or "Team not given"
        for p in participants or [] if isinstance(p, dict) and p.get("name")
    }
    for key in ("served", "served_by"):  # someone who did not answer stands for the team their role names
        for entry in by_id.get(key, {}).get("people", []):
            others = [team for team in teams if team.casefold() != entry["name"].casefold()]
            named = next(filter(None, (_team_of(str(role), others) for role in entry.get("roles") or [])), None)
            if named and entry["name"].casefold() not in team_of:
                team_of[entry["name"].casefold()] = named
    spellings: dict[str, list[str]] = {}
    edges: dict[tuple[str, str], set[str]] = {}
    for giver, taker, who in said:
        ends = []
        for name in (team_of.get(giver.casefold()) or giver, team_of.get(taker.casefold()) or taker):
            ends.append(grouping.key(name) or name.casefold())
            spellings.setdefault(ends[-1], []).append(name)
        edges.setdefault((ends[0], ends[1]), set()).add(who.casefold())
    drawn = list(edges.items())[:SHOWN]
    nodes: dict[str, str] = {}
    lines = ["```mermaid", "flowchart LR"]
    for end in (end for pair, _ in drawn for end in pair):
        if end not in nodes:
            nodes[end] = f"n{len(nodes) + 1}"
            shown = max(spellings[end], key=spellings[end].count)  # the spelling most people used
            lines.append(f"  {nodes[end]}[{escape.mermaid_label(shown)}]")
    lines += [f"  {nodes[a]} -->|{len(who)}| {nodes[b]}" for (a, b), who in drawn]
    lines.append("```")
    if len(edges) > len(drawn):
        lines.append(f"\n*The first {len(drawn)} of {len(edges)} arrows; the record has every one.*")
    return Markup("\n".join(lines))


def _bounded_binop(context: Any, operator: str, left: Any, right: Any) -> Any:
    """`*` and `**` in a template, refused before they build a value past MAX_REPORT or MAX_POWER_BITS."""
    from jinja2.exceptions import SecurityError

    if operator == "*":
        for value, times in ((left, right), (right, left)):
            if isinstance(value, (str, list, tuple)) and isinstance(times, int) and len(value) * times > MAX_REPORT:
                raise SecurityError(f"`*` would make {len(value) * times:,} characters or items; a report holds at most {MAX_REPORT:,}")
        return left * right
    if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left).bit_length() * right > MAX_POWER_BITS:
        raise SecurityError(f"`**` would make a number of over {MAX_POWER_BITS:,} bits")
    return left**right


def _range_budget() -> Any:
    """The sandbox's range(), counting every step it hands out against MAX_RANGE_STEPS."""
    from jinja2.exceptions import SecurityError
    from jinja2.sandbox import safe_range

    left = MAX_RANGE_STEPS

    def bounded_range(*args: int) -> range:
        nonlocal left
        steps = safe_range(*args)
        left -= len(steps)
        if left < 0:
            raise SecurityError(f"the template's loops over range() take more than {MAX_RANGE_STEPS:,} steps")
        return steps

    return bounded_range


def _finalize_for(eval_ctx: Any, value: Any) -> Any:
    """HTML templates are autoescaped by Jinja; Markdown templates get Markdown escaping."""
    return value if eval_ctx.autoescape else _finalize(value)


def environment(extra_dir: Path | None = None) -> Any:
    """The sandboxed template environment: user templates first (extra_dir, then the user's
    reports folder), then the built-ins, so a user template can extend a built-in one."""
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    from postmortem.resources import user_reports_dir

    search = [d for d in (extra_dir, user_reports_dir()) if d is not None and d.is_dir()] + [reports_dir()]
    env = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(search),
        undefined=jinja2.StrictUndefined,
        finalize=jinja2.pass_eval_context(_finalize_for),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=jinja2.select_autoescape(["html", "htm", "html.j2"], default_for_string=False, default=False),
    )
    env.intercepted_binops = frozenset({"*", "**"})
    env.call_binop = _bounded_binop
    env.filters.update(
        action_id=_action_id, bar=_bar, shortlist=_shortlist, raised_by=_raised_by, status=_status, one_value=_one_value,
        with_who=_with_who, item_line=_item_line, scores_line=_scores_line,
    )
    env.globals.update(service_graph=_service_graph, range=_range_budget())
    return env


def _template_name(name: str) -> str:
    return name if name.endswith(".j2") else f"{name}.md.j2"


def _where(err: BaseException, fallback: str) -> tuple[str, int | None]:
    """The template file and line an error was raised at, from the traceback Jinja rewrites."""
    place: tuple[str, int | None] = (fallback, None)
    tb = err.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            place = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return place


def _link(target: str | None) -> Any:
    """A link's destination as a template writes it: the path with anything but path characters %-encoded."""
    from urllib.parse import quote

    from markupsafe import Markup

    return Markup(quote(target)) if target else ""


def render_markdown(record: dict[str, Any], template: str | None = None, answers_page: str | None = None) -> str:
    """The report for record; template is a name (user folder, then built-ins) or a file path;
    answers_page: where the page of each person's answers is, relative to the report, to link it."""
    extra_dir = None
    if template and (template.endswith(".j2") or "/" in template or Path(template).is_file()):
        path = Path(template)
        if not path.is_file():
            raise PostmortemError("no such template file", path=template)
        extra_dir, name = path.resolve().parent, path.name
    elif template:
        name = _template_name(template)
    else:
        name = f"{record.get('format', '')}.md.j2"
    env = environment(extra_dir)
    context = {"summary": "", "notes": "", "participants": [], "responses": [], "title": "", **_at_a_glance(record)}
    context["answers_page"] = _link(answers_page)
    context["when"] = _clock_face(record.get("incident"))
    everyone = record.get("participants") or []  # each stands for their team in the diagram, even past SHOWN
    context["service_graph"] = lambda sections, participants=None: _service_graph(sections, everyone)
    if record.get("anonymous"):  # even a record switched to anonymous by hand shows counts only
        context.update(participants=[], responses=[], sections=without_names(context["sections"]), answers_page="")
    return _generate(env, name, [name, "base.md.j2"] if not template else [name], context)


def pages(
    record: dict[str, Any], *, template: str | None = None, to: str = "markdown", output: Path | None = None, answers_page: Path | None = None
) -> tuple[str, list[tuple[Path, str]]]:
    """`postmortem render`: the report (Markdown, or an HTML page with to="html"), and the files to
    write: the report at output when given, and each person's answers at answers_page, the two
    pages linking each other by relative paths."""
    import os

    if to not in TARGETS:
        raise PostmortemError(f"--to must be {' or '.join(TARGETS)}, not {to!r}")
    report_dir = output.parent if output is not None else Path(".")
    answers_link = os.path.relpath(answers_page, report_dir) if answers_page is not None else None
    text = render_markdown(record, template, answers_link)
    writes = []
    if answers_page is not None:
        back = os.path.relpath(output, answers_page.parent) if output is not None else None
        answers = render_answers(record, back)
        if to == "html":
            answers = markdown_to_html(answers, f"Individual answers: {record['project']}")
        writes.append((answers_page, answers))
    if to == "html":
        text = markdown_to_html(text, f"{record.get('title') or 'Post-mortem'}: {record['project']}")
    if output is not None:
        writes.insert(0, (output, text))
    return text, writes


def render_answers(record: dict[str, Any], report_page: str | None = None) -> str:
    """The page beside the report with each participant's own answers, linking back to the report
    at report_page (relative to this page). Refused for an anonymous post-mortem."""
    if record.get("anonymous"):
        raise PostmortemError("an anonymous post-mortem has no page of individual answers")
    context = {"title": "", "responses": [], **record, "report_page": _link(report_page)}
    said: dict[str, list[dict[str, Any]]] = {}  # what each one said of the agreements in force, by name
    for agreed in record.get("agreements_in_force", []):
        for answer in agreed.get("answers", []):
            said.setdefault(answer.get("name", ""), []).append({"text": agreed["text"], **answer})
    context["responses"] = [{**r, "agreements": said.get(r.get("name", ""), [])} for r in context["responses"]]
    return _generate(environment(), "answers.md.j2", ["answers.md.j2"], context)


def _generate(env: Any, name: str, names: list[str], context: dict[str, Any]) -> str:
    """The page the first of names that exists makes from context; any template error is one line."""
    import jinja2

    try:
        loaded = env.select_template(names) if len(names) > 1 else env.get_template(names[0])
        text = _bounded(loaded.generate(context), loaded.filename or name)
    except RecursionError as err:
        path, line = _where(err, name)
        raise PostmortemError("template error: a macro, include or extends that calls itself without end", path=path, line=line) from None
    except MemoryError:
        raise PostmortemError("template error: out of memory", path=name) from None
    except jinja2.TemplateSyntaxError as err:
        raise PostmortemError(f"template error: {err.message}", path=err.filename or err.name, line=err.lineno) from None
    except jinja2.TemplateNotFound as err:
        raise PostmortemError(f"no report template {err.name!r} (looked in {', '.join(map(str, env.loader.searchpath))})") from None
    except (jinja2.TemplateError, TypeError, ValueError, LookupError, OverflowError) as err:
        path, line = _where(err, name)
        raise PostmortemError(f"template error: {err}", path=path, line=line) from None
    return escape.place(re.sub(r"\n{3,}", "\n\n", text).strip() + "\n")


def _bounded(parts: Any, template: str) -> str:
    """The report a template generates, refused as soon as it passes MAX_REPORT characters."""
    kept, size = [], 0
    for part in parts:
        size += len(part)
        if size > MAX_REPORT:
            raise PostmortemError(f"template error: the report passes {MAX_REPORT:,} characters (a loop without end?)", path=template)
        kept.append(part)
    return "".join(kept)


_PAGE_CSS = """
body { font: 16px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #1f2328; }
h1, h2, h3 { line-height: 1.25; } h2 { border-bottom: 1px solid #d0d7de; padding-bottom: .3em; margin-top: 2em; }
table { border-collapse: collapse; margin: 1em 0; } th, td { border: 1px solid #d0d7de; padding: .3em .6em; text-align: left; vertical-align: top; }
blockquote { margin: 1em 0; padding: 0 1em; color: #59636e; border-left: .25em solid #d0d7de; }
pre { background: #f6f8fa; padding: 1em; overflow-x: auto; }
@media print { body { max-width: none; margin: 0; font-size: 11pt; } h2 { break-after: avoid; } tr { break-inside: avoid; } }
"""


def _only_line_breaks(state: Any) -> None:
    """Raw HTML in the page's text stays text, but for `<br>`: a line break in a table cell."""
    for token in state.tokens:
        for child in token.children or ():
            if child.type == "html_inline" and child.content != "<br>":
                child.type = "text"


def markdown_to_html(markdown: str, title: str) -> str:
    """A standalone HTML page: markdown-it's js-default preset (no raw HTML but `<br>`, no javascript:
    links) with tables."""
    from markdown_it import MarkdownIt
    from markupsafe import escape as html_escape

    parser = MarkdownIt("js-default", {"html": True}).disable("html_block")
    parser.core.ruler.push("only_line_breaks", _only_line_breaks)
    body = parser.render(markdown)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html_escape(escape.plain(title))}</title>\n<style>{_PAGE_CSS}</style>\n</head>\n<body>\n{body}</body>\n</html>\n"
    )
