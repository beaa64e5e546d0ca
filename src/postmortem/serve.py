"""`postmortem serve`: the interview as a form in the browser, and a page for the facilitator.

Built on Starlette (routing, forms, responses) run by uvicorn; imported only by the `serve`
command. Every page sits under one of two random secrets, `/<participant secret>/...` and
`/<facilitator secret>/...`; any other path is 403. A participant's answers go through the
checks of `start --answers` (answers.check_answers, respond.from_answers) and are written by
response.save_response, so a browser answer and a terminal answer are the same file.

Security: a CSRF token (an HMAC of the page, with a key made at start) on every form, a request
size limit, Jinja autoescape for every participant text, a Content-Security-Policy with no inline
script or style, no external assets (CSS and JS ship in the wheel), secrets compared in constant
time, and no Referer leaving the page.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from postmortem import answers as answers_mod
from postmortem import nudges as nudges_mod
from postmortem import session as session_mod
from postmortem import response as response_mod
from postmortem.errors import PostmortemError
from postmortem.questionsets import EVENT_FIELDS, PEOPLE_FIELDS, Question, QuestionSet
from postmortem.resources import templates_dir
from postmortem.session import Session
from postmortem.response import Response

MAX_BODY = 1024 * 1024  # a response file may not be larger either
LOOPBACK = ("127.0.0.1", "::1", "localhost")
STATIC = {"serve.css": "text/css", "serve.js": "text/javascript", "favicon.svg": "image/svg+xml"}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # the secret is in every address: it never leaves in a Referer
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
FIELD_LABELS = {
    "text": "Entry", "owner": "Who would do it", "due": "By when (YYYY-MM-DD)",
    "instead": "What could tangibly have been done instead", "type": "What kind of action",
    "name": "Name (a person or a team)", "role": "Role", "interest": "What did they need from the project",
    "time": "Time (such as 14:02, or 2026-11-18T14:02)", "what": "What happened",
}
LIST_FIELDS = {"people": PEOPLE_FIELDS, "events": EVENT_FIELDS}
_ROW_KEY = re.compile(r"^([A-Za-z_]\w*)-(\d{1,4})-([A-Za-z_]\w*)$")
_AGREED_KEY = re.compile(r"^agreed:(\d{1,4}):(text|outcome|note)$")  # no question id has a colon


def check_writable(folder: Path) -> Session:
    """The folder's session, once it is clear that answers can be written there (else an error)."""
    session = session_mod.load_session(folder)
    directory = response_mod.responses_dir(folder)
    try:
        directory.mkdir(exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".serve-check.", suffix=".tmp"):
            pass
    except OSError as err:
        raise PostmortemError(f"cannot write answers here: {err.strerror or err}; serve needs a folder it can write", path=directory) from None
    return session


@dataclass
class Keys:
    """The two secrets of the links, and the key that signs per-person links and CSRF tokens."""

    participant: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    facilitator: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    signing: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    def role(self, segment: str) -> str | None:
        """"p" or "f" for the secret a path starts with, compared in constant time; None for anything else."""
        given = segment.encode("utf-8", "surrogateescape")
        found = None
        for role, secret in (("p", self.participant), ("f", self.facilitator)):
            if hmac.compare_digest(given, secret.encode()):
                found = role
        return found

    def sign(self, text: str) -> str:
        return hmac.new(self.signing, text.encode("utf-8"), hashlib.sha256).hexdigest()[:24]

    def valid(self, text: str, signature: str) -> bool:
        return hmac.compare_digest(self.sign(text).encode(), signature.encode("utf-8", "surrogateescape"))


# --- the form: answers to fields and back -------------------------------------------------------


def row_fields(question: Question) -> tuple[str, ...]:
    """The fields of one row of a list question, in the order shown."""
    if question.kind == "items":
        return ("text", *question.fields)
    if question.kind == "scores":
        return (question.key, *question.dimensions)
    return LIST_FIELDS[question.kind]


def _text_of(value: Any) -> str:
    return "" if value is None else value.isoformat() if hasattr(value, "isoformat") else str(value)


def form_rows(question: Question, value: Any) -> list[dict[str, str]]:
    """A list answer as rows of field texts, for the form."""
    return [{f: _text_of(entry.get(f)) for f in row_fields(question)} for entry in value or []]


def parse_form(qset: QuestionSet, form: dict[str, str]) -> dict[str, Any]:
    """The posted fields as raw answers (as an answers file would give them); empty rows and fields left out."""
    rows: dict[str, dict[int, dict[str, str]]] = {}
    for key, text in form.items():
        match = _ROW_KEY.match(key)
        if match:
            rows.setdefault(match.group(1), {}).setdefault(int(match.group(2)), {})[match.group(3)] = text
    raw: dict[str, Any] = {}
    for question in qset.questions:
        if question.kind in ("items", "people", "events", "scores"):
            names = row_fields(question)
            entries = []
            for _, cells in sorted(rows.get(question.id, {}).items()):
                cells = {k: v.strip() for k, v in cells.items() if k in names}
                if not any(cells.values()):
                    continue
                entries.append(_entry(question, cells))
            if entries:
                raw[question.id] = entries
            continue
        text = form.get(question.id, "").strip()
        if text:
            raw[question.id] = int(text) if question.kind == "rating" and text.isdigit() else text
    return raw


def parse_agreements(form: dict[str, str]) -> list[dict[str, str]]:
    """What the form says of the agreements in force, as an answers file's [[agreements]] (a skipped one left out)."""
    rows: dict[int, dict[str, str]] = {}
    for key, text in form.items():
        match = _AGREED_KEY.match(key)
        if match:
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = text.strip()
    return [{k: v for k, v in row.items() if v} for _, row in sorted(rows.items()) if row.get("outcome")]


def agreement_views(folder: Path, session: Session, said: list[dict[str, str]]) -> list[dict[str, str]]:
    """Each agreement in force the form asks about (agreements.to_ask), with what was said of it."""
    from postmortem import agreements

    given = {answers_mod.same_wording(a.get("text", "")): a for a in said}
    return [
        {"text": text, "outcome": given.get(answers_mod.same_wording(text), {}).get("outcome", ""),
         "note": given.get(answers_mod.same_wording(text), {}).get("note", "")}
        for text in agreements.to_ask(folder, session.project, session.date)
    ]


def _entry(question: Question, cells: dict[str, str]) -> dict[str, Any]:
    if question.kind == "items":
        return {"text": cells.get("text", ""), **{f: cells[f] for f in question.fields if cells.get(f)}}
    if question.kind == "scores":
        entry: dict[str, Any] = {question.key: cells.get(question.key, "")}
        for dimension in question.dimensions:
            point = cells.get(dimension, "")
            if point:
                entry[dimension] = int(point) if point.isdigit() else point
        return entry
    return {f: cells.get(f, "") for f in LIST_FIELDS[question.kind]}


def check_each(qset: QuestionSet, raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Each question's answer checked as an answers file's is: the valid ones, and a message per invalid one."""
    valid: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for qid, value in raw.items():
        try:
            valid.update(answers_mod.check_answers(qset, {qid: value}))
        except PostmortemError as err:
            errors[qid] = err.detail
    return valid, errors


def entry_texts(question: Question, value: Any) -> list[str]:
    """The texts a nudge reads: each entry's text (items), or the answer (text)."""
    if question.kind == "items":
        return [entry["text"] for entry in value or []]
    if question.kind == "text" and value:
        return [value]
    return []


def nudge_key(qid: str, text: str) -> str:
    return hashlib.sha256(f"{qid}\x1f{text}".encode()).hexdigest()[:16]


def find_nudges(session: Session, qset: QuestionSet, response: Response, answers: dict[str, Any],
                seen: set[str], kinds: frozenset[str]) -> dict[tuple[str, int], str]:
    """The nudges new or changed entries call for, by (question id, entry index), each shown once:
    seen holds the keys of those shown before, and gets the new ones. The same rules as the
    terminal interview (nudges.check)."""
    found: dict[tuple[str, int], str] = {}
    names: list[str] = []

    def people() -> list[str]:
        if not names:
            names.extend([*nudges_mod.participant_names(session.folder), *session.invited])
        return [*names, *nudges_mod.people_named(Response(response.name, answers=answers))]

    for question in qset.questions:
        before = set(entry_texts(question, response.answers.get(question.id)))
        for index, text in enumerate(entry_texts(question, answers.get(question.id))):
            if text in before or nudge_key(question.id, text) in seen:
                continue
            nudge = nudges_mod.check(kinds, question, text, people)
            if nudge is not None:
                seen.add(nudge_key(question.id, text))
                kind, detail = nudge
                found[(question.id, index)] = (
                    f"{nudges_mod.tangible_message(detail)} {nudges_mod.TANGIBLE_EXAMPLE}"
                    if kind == "tangible"
                    else f"{nudges_mod.blame_message(detail)} Submitting again keeps your words."
                )
    return found


def views(qset: QuestionSet, answers: dict[str, Any], errors: dict[str, str], nudges: dict[tuple[str, int], str],
          more: str = "") -> list[dict[str, Any]]:
    """What the form shows for each question: its rows (and a blank one to add to) or value, its message and nudges."""
    shown = []
    for number, question in enumerate(qset.questions, 1):
        view: dict[str, Any] = {"q": question, "number": number, "error": errors.get(question.id, "")}
        if question.kind in ("items", "people", "events", "scores"):
            rows = form_rows(question, answers.get(question.id))
            blank = {f: "" for f in row_fields(question)}
            rows += [dict(blank) for _ in range(1 + (question.id == more) + (not rows))]
            view["fields"] = row_fields(question)
            view["rows"] = [{"cells": row, "nudge": nudges.get((question.id, i), "")} for i, row in enumerate(rows)]
        else:
            view["value"] = _text_of(answers.get(question.id))
            view["nudge"] = nudges.get((question.id, 0), "")
        shown.append(view)
    return shown


def options(question: Question) -> list[tuple[str, str]]:
    """The values and labels of a rating's (or a score's) or a choice's buttons, Skip first."""
    if question.kind == "choice":
        return [("", "Skip"), *((choice, choice) for choice in question.choices)]
    return [("", "Skip"), *((str(point), f"{point} {label}") for point, label in enumerate(question.labels, 1))]


def field_label(question: Question, name: str) -> str:
    if question.kind == "scores":
        return question.key.capitalize() if name == question.key else name.replace("_", " ").capitalize()
    return FIELD_LABELS[name]


class _Form(dict):
    """Posted fields: the last value of each name, and every value of a repeated one (getlist)."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        super().__init__(pairs)
        self.pairs = pairs

    def getlist(self, name: str) -> list[str]:
        return [v for k, v in self.pairs if k == name]


def create_app(folder: Path, keys: Keys) -> Any:
    """The ASGI application for folder: the routes behind the gate of secrets, size limit and headers."""
    from urllib.parse import parse_qsl

    import jinja2
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.exceptions import HTTPException
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, RedirectResponse, Response as WebResponse
    from starlette.routing import Route

    from postmortem import respond
    from postmortem import status as status_mod
    from postmortem import vote as vote_mod

    folder = folder.resolve()
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir() / "serve"),
        autoescape=True,  # every participant text is escaped for HTML
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(field_label=field_label, options=options)
    bases = {"p": f"/{keys.participant}", "f": f"/{keys.facilitator}"}

    def page(template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(env.get_template(template).render(**context), status_code=status_code)

    def csrf(path: str) -> str:
        return keys.sign(f"csrf:{path}")

    async def read_form(request: Request) -> _Form:
        """The urlencoded body, at most MAX_BODY bytes, with a valid CSRF token for this path."""
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
            raise HTTPException(415, "Send the form from its page.")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                raise HTTPException(413, "That is more than a response may hold.")
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=5000, strict_parsing=False)
        except (UnicodeDecodeError, ValueError):
            raise HTTPException(400, "The form could not be read.") from None
        form = _Form([(k, v.replace("\r\n", "\n")) for k, v in pairs])
        if not hmac.compare_digest(form.get("csrf", "").encode(), csrf(request.url.path).encode()):
            raise HTTPException(403, "This form expired or did not come from this page: reload the page and send it again.")
        return form

    def person_path(slug: str) -> str:
        return f"/p/r/{slug}/{keys.sign(f'person:{slug}')}"

    def link(path: str) -> str:
        """The address the browser uses for an internal path (/p/... or /f/...)."""
        role, _, rest = path.lstrip("/").partition("/")
        return f"{bases[role]}/{rest}"

    def load(slug: str, signature: str) -> tuple[Session, QuestionSet, Response]:
        if not keys.valid(f"person:{slug}", signature):
            raise HTTPException(403, "This personal link is not valid: start again from the participants' link.")
        session = session_mod.load_session(folder)
        qset = session.question_set()
        path = response_mod.responses_dir(folder) / f"{slug}.toml"
        if not path.is_file():
            raise HTTPException(404, "There is no response under this link any more: start again from the participants' link.")
        return session, qset, response_mod.read_response(path, qset)

    def actions_for_vote(response: Response) -> list[dict[str, Any]]:
        if not response.complete or not (folder / session_mod.RECORD_FILE).exists():
            return []
        try:
            return [item for item in vote_mod.load_actions(folder) if not vote_mod.closed(item)]
        except PostmortemError:
            return []

    def person_page(session: Session, qset: QuestionSet, response: Response, answers: dict[str, Any], *,
                    errors: dict[str, str] | None = None, nudges: dict[tuple[str, int], str] | None = None,
                    seen: set[str] | None = None, more: str = "", notice: str = "", vote_error: str = "",
                    role: str | None = None, said: list[dict[str, str]] | None = None, status_code: int = 200) -> HTMLResponse:
        path = person_path(response.slug)
        errors = errors or {}
        agreed = agreement_views(folder, session, response.agreements if said is None else said)
        return page(
            "person.html.j2", status_code,
            session=session, qset=qset, response=response, role=response.role if role is None else role,
            questions=views(qset, answers, errors, nudges or {}, more), errors=errors, nudges=nudges or {}, agreements=agreed,
            seen=sorted(seen or ()),
            action=link(path), csrf=csrf(path), vote_action=link(f"{path}/vote"), vote_csrf=csrf(f"{path}/vote"),
            actions=actions_for_vote(response), votes=response.votes or {}, notice=notice, vote_error=vote_error,
            file=f"{session_mod.RESPONSES_DIR}/{response.slug}.toml", static=bases["p"],
        )

    async def start_page(request: Request) -> HTMLResponse:
        session = session_mod.load_session(folder)
        return page("start.html.j2", session=session, qset=session.question_set(), action=link("/p/"),
                    csrf=csrf("/p/"), static=bases["p"], error="", name="", role="")

    def begin(form: _Form) -> tuple[str | None, str]:
        """The slug of the response to open (created as an empty draft when new), or an error."""
        session = session_mod.load_session(folder)
        qset = session.question_set()
        if session.anonymous:
            if form.get("action") == "resume":
                return response_mod.token_for(folder, form.get("token", "").strip() or None, new=False), ""
            response = Response(response_mod.new_token(), "")
        else:
            name = form.get("name", "").strip()
            if not name:
                return None, "Please give your name."
            existing = response_mod.find_response(folder, name, qset)  # the same name resumes; another's is an error
            if existing is not None:
                return existing.slug, ""
            response = Response(name, form.get("role", "").strip())
        response_mod.save_response(folder, response)
        return response.slug, ""

    async def start_post(request: Request) -> Any:
        form = await read_form(request)
        try:
            slug, error = await run_in_threadpool(begin, form)
        except PostmortemError as err:
            slug, error = None, err.detail
        if slug is None:
            session = session_mod.load_session(folder)
            return page("start.html.j2", 400, session=session, qset=session.question_set(), action=link("/p/"),
                        csrf=csrf("/p/"), static=bases["p"], error=error, name=form.get("name", ""), role=form.get("role", ""))
        return RedirectResponse(link(person_path(slug)), status_code=303)

    async def person_get(request: Request) -> HTMLResponse:
        session, qset, response = load(request.path_params["slug"], request.path_params["sig"])
        notice = {"draft": "Your draft is saved: come back to this page to go on.",
                  "submitted": "Thank you. Your answers are saved; you can change them here until the facilitator merges.",
                  "voted": "Your votes are saved."}.get(request.query_params.get("saved", ""), "")
        return person_page(session, qset, response, response.answers, notice=notice)

    def save(session: Session, qset: QuestionSet, response: Response, form: _Form) -> tuple[str, Any]:
        """Check and save what was posted: ("saved", kind), or ("again", the page's arguments)."""
        raw, said = parse_form(qset, form), parse_agreements(form)
        action = form.get("action", "draft")
        role = "" if session.anonymous else form.get("role", response.role).strip()
        if action.startswith("more:"):
            return "again", {"answers": raw, "more": action[5:], "role": role, "said": said}
        valid, errors = check_each(qset, raw)
        try:
            agreed = answers_mod.check_agreements(said)
        except PostmortemError as err:
            agreed, errors["agreements"] = response.agreements, err.detail
        seen = set(form.getlist("nudged"))
        found = find_nudges(session, qset, response, valid, seen, nudges_mod.enabled(session.nudges))
        submitting = action == "submit" or response.complete  # a finished response is never turned back into a draft
        if errors or found or not submitting:
            if not response.complete:  # a draft keeps what is valid, and the earlier answer where the new one is not
                kept = {q.id: valid.get(q.id, response.answers.get(q.id) if q.id in errors else None) for q in qset.questions}
                draft = Response(response.name, role, {k: v for k, v in kept.items() if v is not None}, votes=response.votes, agreements=agreed)
                draft.done = list(draft.answers)
                response_mod.save_response(folder, draft)
            if errors or found:
                return "again", {"answers": raw, "errors": errors, "nudges": found, "seen": seen, "role": role, "said": said}
            return "saved", "draft"
        complete = respond.from_answers({"answers": raw, "agreements": said}, qset, "the form", response.name, role)
        complete.votes = response.votes
        response_mod.save_response(folder, complete)
        return "saved", "submitted"

    async def person_post(request: Request) -> Any:
        slug, signature = request.path_params["slug"], request.path_params["sig"]
        session, qset, response = load(slug, signature)
        form = await read_form(request)
        outcome, detail = await run_in_threadpool(save, session, qset, response, form)
        if outcome == "saved":
            return RedirectResponse(f"{link(person_path(slug))}?saved={detail}", status_code=303)
        status = 400 if detail.get("errors") else 200
        return person_page(session, qset, response, status_code=status, **detail)

    def cast(session: Session, response: Response, form: _Form) -> str:
        available = vote_mod.load_actions(folder)
        dots = {str(item["id"]): form.get(f"vote-{item['id']}", "").strip() for item in available}
        given = ",".join(f"{action_id}={number}" for action_id, number in dots.items() if number)
        chosen = vote_mod.check(vote_mod.parse_votes(given), available, session.dots)
        vote_mod.cast(session, response, chosen)
        return ""

    async def vote_post(request: Request) -> Any:
        slug, signature = request.path_params["slug"], request.path_params["sig"]
        session, qset, response = load(slug, signature)
        form = await read_form(request)
        try:
            await run_in_threadpool(cast, session, response, form)
        except PostmortemError as err:
            return person_page(session, qset, response, response.answers, vote_error=err.detail.removeprefix("--votes: "),
                               status_code=400)
        return RedirectResponse(f"{link(person_path(slug))}?saved=voted", status_code=303)

    def facilitator_context(origin: str, notice: str = "", error: str = "") -> dict[str, Any]:
        session = session_mod.load_session(folder)
        record_path = folder / session_mod.RECORD_FILE
        actions: list[dict[str, Any]] = []
        if record_path.exists():
            from postmortem import record as record_mod

            try:
                actions = record_mod.actions(record_mod.load_record(record_path))
            except PostmortemError as err:
                error = error or str(err)
        return {
            "session": session, "status": status_mod.collect(folder), "actions": actions, "has_record": record_path.exists(),
            "participants_link": f"{origin.rstrip('/')}{bases['p']}/", "merge_action": link("/f/merge"), "merge_csrf": csrf("/f/merge"),
            "report": link("/f/report"), "status_src": link("/f/status"), "static": bases["f"], "notice": notice, "error": error,
        }

    async def facilitator_get(request: Request) -> HTMLResponse:
        return page("facilitator.html.j2", **await run_in_threadpool(facilitator_context, str(request.base_url)))

    async def status_get(request: Request) -> HTMLResponse:
        return page("status.html.j2", status=await run_in_threadpool(status_mod.collect, folder))

    async def merge_post(request: Request) -> HTMLResponse:
        from postmortem import merging

        await read_form(request)
        try:
            merged = await run_in_threadpool(merging.merge_folder, folder)
            context = facilitator_context(str(request.base_url), notice=merged.summary().replace(str(folder) + "/", ""))
        except PostmortemError as err:
            context = facilitator_context(str(request.base_url), error=str(err))
        return page("facilitator.html.j2", 400 if context["error"] else 200, **context)

    def report_html() -> tuple[str, str]:
        from postmortem import record as record_mod
        from postmortem import render as render_mod

        path = folder / session_mod.RECORD_FILE
        if not path.exists():
            raise HTTPException(404, "There is no record yet: merge first.")
        record = record_mod.load_record(path)
        html = render_mod.markdown_to_html(render_mod.render_markdown(record), f"{record.get('title') or 'Post-mortem'}: {record['project']}")
        icon = f'<link rel="icon" href="{bases["f"]}/static/favicon.svg" type="image/svg+xml">\n'  # else the browser asks /favicon.ico: 403
        return html.replace("</head>", f"{icon}</head>", 1), CSP.replace("style-src 'self'", f"style-src 'self' {style_hashes(html)}")

    async def report_get(request: Request) -> HTMLResponse:
        html, policy = await run_in_threadpool(report_html)
        return HTMLResponse(html, headers={"Content-Security-Policy": policy})

    async def static_get(request: Request) -> WebResponse:
        name = request.path_params["name"]
        if name not in STATIC:
            raise HTTPException(404, "No such file.")
        return WebResponse((templates_dir() / "serve" / name).read_bytes(), media_type=STATIC[name])

    async def failed(request: Request, exc: Exception) -> HTMLResponse:
        code = getattr(exc, "status_code", 400)
        message = getattr(exc, "detail", None) or str(exc)
        return page("message.html.j2", code, message=message, static=bases["p"])

    routes = [
        Route("/p/", start_page, methods=["GET"]),
        Route("/p/", start_post, methods=["POST"]),
        Route("/p/r/{slug}/{sig}", person_get, methods=["GET"]),
        Route("/p/r/{slug}/{sig}", person_post, methods=["POST"]),
        Route("/p/r/{slug}/{sig}/vote", vote_post, methods=["POST"]),
        Route("/f/", facilitator_get, methods=["GET"]),
        Route("/f/status", status_get, methods=["GET"]),
        Route("/f/merge", merge_post, methods=["POST"]),
        Route("/f/report", report_get, methods=["GET"]),
        Route("/{role:str}/static/{name:str}", static_get, methods=["GET"]),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: failed, PostmortemError: failed})
    return guard(app, keys)


def style_hashes(html: str) -> str:
    """CSP sources allowing exactly the styles of a page we made (render's style block, and the
    table alignments markdown-it writes as style attributes), by their hashes."""
    import base64
    from html import unescape

    blocks = re.findall(r"<style>(.*?)</style>", html, re.S)
    attributes = sorted({unescape(v) for v in re.findall(r'<[^>]*\sstyle="([^"]*)"', html)})
    hashes = [f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in [*blocks, *attributes]]
    return " ".join(["'unsafe-hashes'"] * bool(attributes) + hashes)


def guard(app: Any, keys: Keys) -> Any:
    """The gate in front of every route: the path must start with one of the two secrets (it is
    rewritten to /p/... or /f/...), a declared body may not exceed MAX_BODY, and every response
    carries the security headers (the CSP unless the route set its own)."""

    async def gated(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in (("Content-Security-Policy", CSP), *HEADERS.items()):
                    if name.lower().encode() not in present:
                        headers.append((name.lower().encode(), value.encode()))
                message = {**message, "headers": headers}
            await send(message)

        segment, _, rest = scope["path"].lstrip("/").partition("/")
        role = keys.role(segment)
        length = dict(scope.get("headers", [])).get(b"content-length", b"0")
        if role is None:
            await _plain(send_with_headers, 403, "Forbidden: open the link that postmortem serve printed.")
        elif not length.isdigit() or int(length) > MAX_BODY:
            await _plain(send_with_headers, 413, "That is more than a response may hold.")
        else:
            path = f"/{role}/{rest}"
            await app({**scope, "path": path, "raw_path": path.encode()}, receive, send_with_headers)

    return gated


async def _plain(send: Any, status: int, text: str) -> None:
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def links(host: str, port: int, keys: Keys) -> tuple[str, str]:
    """The participants' and the facilitator's addresses."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/{keys.participant}/", f"http://{shown}:{port}/{keys.facilitator}/"


def run(folder: Path, host: str, port: int, open_browser: bool, say: Any) -> None:
    """Serve folder until Ctrl-C: the links go to say(), the server's own log only for errors."""
    import socket
    import webbrowser

    import uvicorn

    check_writable(folder)
    keys = Keys()
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as err:
        sock.close()
        raise PostmortemError(f"cannot listen on {host}:{port}: {err.strerror or err}") from None
    sock.listen(128)
    port = sock.getsockname()[1]
    participants, facilitator = links(host, port, keys)
    if host not in LOOPBACK:
        say(f"postmortem: warning: listening on {host}, not only this computer: anyone who can reach it and has a link can "
            "use it, over plain HTTP")
    say(f"Participants: {participants}")
    say(f"Facilitator:  {facilitator}")
    say("Share the first link with the participants and keep the second; Ctrl-C stops.")
    if open_browser:
        webbrowser.open(facilitator)
    config = uvicorn.Config(create_app(folder, keys), log_level="warning", access_log=False, lifespan="off")
    with sock:
        uvicorn.Server(config).run(sockets=[sock])
