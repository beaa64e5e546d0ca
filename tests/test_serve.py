"""`postmortem serve`: the browser form and the facilitator's page, driven over HTTP (Starlette's
test client); tests/test_browser.py drives the same pages in a real browser."""

from __future__ import annotations

import re
import threading
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from conftest import read, write_answers
from postmortem import serve
from postmortem.errors import PostmortemError


@pytest.fixture(autouse=True)
def _clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780000000")


class Site:
    """One served folder: its secrets, a client, and the steps a participant takes."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.keys = serve.Keys()
        self.client = TestClient(serve.create_app(folder, self.keys), follow_redirects=False)
        self.p = f"/{self.keys.participant}"
        self.f = f"/{self.keys.facilitator}"

    def get(self, path: str, status: int = 200):
        response = self.client.get(path)
        assert response.status_code == status, response.text
        return response

    def post(self, path: str, data: dict, *, page: str | None = None, status: int | None = None):
        """Post data as the form on page (default: path) would, with its CSRF token."""
        form = self.get(page or path).text
        csrf = re.findall(r'<form method="post" action="([^"]+)"[^>]*>\s*<input type="hidden" name="csrf" value="([^"]+)"', form)
        token = dict(csrf)[path.split("?")[0]]
        nudged = re.findall(r'name="nudged" value="([^"]+)"', form)
        response = self.client.post(path, data={"csrf": token, "nudged": nudged, **data})
        if status is not None:
            assert response.status_code == status, response.text
        return response

    def begin(self, name: str = "", role: str = "", **extra: str) -> str:
        """The participant's own page, after giving a name (or starting anonymously)."""
        response = self.post(f"{self.p}/", {"name": name, "role": role, **extra}, status=303)
        return response.headers["location"]


def _session(cli, folder: Path, *extra: str) -> Path:
    result = cli("start", folder, "--project", "Colorado office", "--invite", "Linda", "--invite", "Kyle", *extra)
    assert result.exit_code == 0, result.output
    return folder


LINDA = {
    "went_well-0-text": "The VP set expectations about her availability up front",
    "went_poorly-0-text": "Unannounced drop-ins several times a day",
    "improvements-0-text": "Ask corporate for a temporary extra resource during busy season",
    "improvements-1-text": "Daily 10-minute check-in at 9:00 instead of drop-ins",
    "improvements-1-owner": "Kyle",
    "improvements-1-due": "2026-12-15",
    "stakeholders-0-name": "Jessica",
    "stakeholders-0-role": "VP, regional office",
    "stakeholders-0-interest": "office stays compliant",
    "takeaways": "Agree how and when we talk before the work starts.",
    "rating": "3",
    "roti": "",
}


def test_a_browser_answer_is_the_file_start_answers_writes(cli, tmp_path: Path) -> None:
    site = Site(_session(cli, tmp_path / "served"))
    me = site.begin("Linda", "Quality & compliance associate")
    assert read(tmp_path / "served/responses/linda.toml")["status"] == "draft"  # on disk from the first step
    first = {k: v for k, v in LINDA.items() if k.startswith(("went_", "role"))}
    assert site.post(me, first, status=303).headers["location"].endswith("?saved=draft")
    draft = read(tmp_path / "served/responses/linda.toml")
    assert draft["status"] == "draft" and draft["done"] == ["went_well", "went_poorly"]

    again = site.begin("linda ")  # the same name, another day: the same page, the draft filled in
    assert again == me
    assert "Unannounced drop-ins several times a day" in site.get(again).text
    assert site.post(me, {**LINDA, "action": "submit", "role": "Quality & compliance associate"}, status=303)

    typed = _session(cli, tmp_path / "typed")
    answers = write_answers(tmp_path, "Linda", {
        "went_well": ["The VP set expectations about her availability up front"],
        "went_poorly": ["Unannounced drop-ins several times a day"],
        "improvements": [
            "Ask corporate for a temporary extra resource during busy season",
            {"text": "Daily 10-minute check-in at 9:00 instead of drop-ins", "owner": "Kyle", "due": "2026-12-15"},
        ],
        "stakeholders": [{"name": "Jessica", "role": "VP, regional office", "interest": "office stays compliant"}],
        "takeaways": "Agree how and when we talk before the work starts.",
        "rating": 3,
    }, role="Quality & compliance associate")
    assert cli("start", typed, "--answers", answers).exit_code == 0
    assert (tmp_path / "served/responses/linda.toml").read_text() == (typed / "responses/linda.toml").read_text()


def test_bad_input_gets_the_answers_file_message_next_to_its_field(cli, tmp_path: Path) -> None:
    site = Site(_session(cli, tmp_path / "pm"))
    me = site.begin("Kyle")
    site.post(me, {"improvements-0-text": "Hold a 10-minute check-in at 9:00 every day", "improvements-0-due": "2026-12-01",
                   "rating": "4"}, status=303)
    page = site.post(me, {"improvements-0-text": "Hold a 10-minute check-in at 9:00 every day", "improvements-0-due": "15/12",
                          "rating": "2", "action": "submit"}, status=400)
    assert re.search(r'id="improvements-error" role="alert">answers\.improvements\[1\]\.due must be a date such as '
                     r"2026-12-15, not &#39;15/12&#39;</p>", page.text)
    assert 'value="15/12"' in page.text  # what was typed stays in the field to correct
    assert 'id="improvements-0-due" name="improvements-0-due" value="15/12"' in page.text
    assert 'aria-describedby="improvements-prompt improvements-error"' in page.text  # read out with the field
    saved = read(tmp_path / "pm/responses/kyle.toml")
    assert saved["status"] == "draft"
    assert saved["answers"]["improvements"] == [{"text": "Hold a 10-minute check-in at 9:00 every day", "due": read_date("2026-12-01")}]
    assert saved["answers"]["rating"] == 2  # the valid answers of the same post are kept


def read_date(text: str):
    import datetime as dt

    return dt.date.fromisoformat(text)


def test_nudges_appear_inline_once_and_submitting_again_keeps_the_words(cli, tmp_path: Path) -> None:
    site = Site(_session(cli, tmp_path / "pm"))
    me = site.begin("Linda")
    data = {"improvements-0-text": "More testing", "went_poorly-0-text": "It was Kyle's fault, he was lazy", "action": "submit"}
    page = site.post(me, data, status=200)
    assert "“more testing” is hard to act on: nobody can tell when it is done. Who would do what, by when?" in page.text
    assert "A reminder: this reads as blaming Kyle." in page.text
    assert read(tmp_path / "pm/responses/linda.toml")["status"] == "draft"
    assert site.post(me, data, page=None, status=303)  # the same words again: no second nudge
    saved = read(tmp_path / "pm/responses/linda.toml")
    assert saved["status"] == "complete" and saved["answers"]["improvements"] == ["More testing"]


def test_a_name_that_is_another_persons_file_is_refused(cli, tmp_path: Path) -> None:
    site = Site(_session(cli, tmp_path / "pm"))
    site.begin("Anne-Marie")
    page = site.post(f"{site.p}/", {"name": "Anne Marie"}, status=400)
    assert "the name &#39;Anne Marie&#39; gives the same file as &#39;Anne-Marie&#39;" in page.text


def test_every_page_needs_a_secret(cli, tmp_path: Path) -> None:
    site = Site(_session(cli, tmp_path / "pm"))
    forged = "x" * len(site.keys.participant)
    for path in ("/", "/p/", "/f/", f"/{forged}/", f"/{forged}/static/serve.css", "/favicon.ico", f"{site.p[:-1]}/"):
        assert site.client.get(path).status_code == 403, path
    assert site.client.post(f"/{forged}/", data={"name": "x"}).status_code == 403
    me = site.begin("Linda")
    assert site.client.get(me.rsplit("/", 1)[0] + "/" + "0" * 24).status_code == 403  # a per-person link must be signed
    assert site.client.get(f"{site.f}/").status_code == 200
    assert site.client.get(f"{site.p}/static/serve.js").headers["content-type"].startswith("text/javascript")


def test_csrf_token_and_size_limit(cli, tmp_path: Path) -> None:
    site = Site(_session(cli, tmp_path / "pm"))
    me = site.begin("Linda")
    before = (tmp_path / "pm/responses/linda.toml").read_text()
    for data in ({"went_well-0-text": "x"}, {"went_well-0-text": "x", "csrf": "0" * 24}):
        assert site.client.post(me, data=data).status_code == 403
    other = site.begin("Kyle")  # a token is good for its own form only
    token = re.search(r'name="csrf" value="([^"]+)"', site.get(f"{site.p}/").text).group(1)
    assert site.client.post(other, data={"csrf": token, "went_well-0-text": "x"}).status_code == 403
    huge = site.client.post(me, content=b"a=" + b"x" * (serve.MAX_BODY + 1), headers={"content-type": "application/x-www-form-urlencoded"})
    assert huge.status_code == 413
    assert (tmp_path / "pm/responses/linda.toml").read_text() == before


def test_participant_text_is_escaped_and_no_page_has_inline_script_or_style(cli, tmp_path: Path) -> None:
    site = Site(_session(cli, tmp_path / "pm"))
    me = site.begin('<script>alert("name")</script>')
    hostile = '"><img src=x onerror=alert(1)><script>alert(2)</script>'
    site.post(me, {"went_well-0-text": hostile, "takeaways": "</textarea><b>bold</b>", "action": "submit"}, status=303)
    site.post(f"{site.f}/merge", {}, page=f"{site.f}/", status=200)
    pages = [site.get(me), site.get(f"{site.f}/"), site.get(f"{site.f}/status"), site.get(f"{site.f}/report"), site.get(f"{site.p}/")]
    for response in pages:
        html = response.text
        assert "<img src=x" not in html and "<script>alert" not in html and "<b>bold" not in html
        assert not re.search(r"<script(?![^>]*\bsrc=)", html) and " on" + "error=" not in html.replace("onerror=alert(1)&gt;", "")
        assert not re.search(r"\sstyle=", html)
        policy = response.headers["content-security-policy"]
        assert "script-src 'self';" in policy and "default-src 'none'" in policy and "unsafe-inline" not in policy
        assert response.headers["referrer-policy"] == "no-referrer"
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in pages[0].text
    assert re.search(r"style-src 'self' 'sha256-[A-Za-z0-9+/=]+'", pages[3].headers["content-security-policy"])


def test_anonymous_session_gives_a_token_link_and_never_asks_a_name(cli, tmp_path: Path) -> None:
    site = Site(_session(cli, tmp_path / "pm", "--anonymous"))
    start = site.get(f"{site.p}/").text
    assert 'id="name"' not in start
    me = site.begin(action="new")
    files = list((tmp_path / "pm/responses").glob("*.toml"))
    assert len(files) == 1 and re.fullmatch(r"[0-9a-f]{16}\.toml", files[0].name)
    token = files[0].stem
    assert token in me and token in site.get(me).text and 'id="role"' not in site.get(me).text
    site.post(me, {"went_well-0-text": "Clear goals", "action": "submit"}, status=303)
    assert site.begin(token=token.upper(), action="resume") == me  # the token brings the same page back
    assert read(files[0])["answers"] == {"went_well": ["Clear goals"]} and read(files[0])["name"] == token
    page = site.post(f"{site.p}/", {"token": "0123456789abcdef", "action": "resume"}, status=400)
    assert "no response is filed under the token 0123456789abcdef" in page.text
    page = site.post(f"{site.p}/", {"token": "", "action": "resume"}, status=400)
    assert "give the token you were given when you answered" in page.text
    assert len(list((tmp_path / "pm/responses").glob("*.toml"))) == 1
    site.post(me, {"went_well-0-text": "Clear goals", "improvements-0-text": "Hold a 10-minute check-in at 9:00 every day",
                   "action": "submit"}, status=303)
    merged = site.post(f"{site.f}/merge", {}, page=f"{site.f}/", status=200).text
    assert "Merged 1 response(s)" in merged and "Anonymous post-mortem: counts only, no names." in merged
    assert token not in merged
    site.post(f"{me}/vote", {"vote-A1": "2"}, page=me, status=303)
    assert read(files[0])["votes"] == {"A1": 2}


def test_facilitator_sees_status_merges_shows_the_report_and_counts_votes(cli, tmp_path: Path) -> None:
    folder = _session(cli, tmp_path / "pm")
    site = Site(folder)
    linda = site.begin("Linda")
    site.post(linda, {**LINDA, "action": "submit"}, status=303)
    kyle = site.begin("Kyle")
    site.post(kyle, {"went_well-0-text": "On time"}, status=303)
    status = site.get(f"{site.f}/status").text
    assert "2 invited · 1 answered · 1 draft(s) · 0 due" in status
    assert re.search(r"<td>Kyle</td><td>draft</td>\s*<td>[^<]+</td><td>1/7 questions</td>", status)
    assert "Vote on the improvements" not in site.get(linda).text  # no record yet

    merged = site.post(f"{site.f}/merge", {}, page=f"{site.f}/", status=200).text
    assert "Merged 1 response(s) into record.toml; 1 unfinished draft(s) left out: Kyle; " in merged and " group(s), " in merged
    assert "Open the report" in merged and "<td>A2</td>" in merged
    assert f'id="participants-link" readonly value="http://testserver{site.p}/"' in merged  # to copy and share
    report = site.get(f"{site.f}/report").text
    assert "<h1>Post-mortem: Colorado office</h1>" in report and "Daily 10-minute check-in at 9:00 instead of drop-ins" in report

    assert "Vote on the improvements" in site.get(linda).text
    over = site.post(f"{linda}/vote", {"vote-A1": "3", "vote-A2": "1"}, page=linda, status=400)
    assert "that is 4 dots, but each person has 3 in this post-mortem" in over.text
    site.post(f"{linda}/vote", {"vote-A1": "1", "vote-A2": "2"}, page=linda, status=303)
    assert read(folder / "responses/linda.toml")["votes"] == {"A1": 1, "A2": 2}
    site.post(linda, {**LINDA, "action": "submit"}, status=303)  # answering again keeps the votes
    assert read(folder / "responses/linda.toml")["votes"] == {"A1": 1, "A2": 2}
    after = site.post(f"{site.f}/merge", {}, page=f"{site.f}/", status=200).text
    assert re.search(r"<td>A2</td><td>Daily 10-minute check-in at 9:00 instead of drop-ins</td><td>2</td>", after)


def test_the_vote_form_leaves_out_done_and_dropped_actions(cli, tmp_path: Path) -> None:
    folder = _session(cli, tmp_path / "pm")
    site = Site(folder)
    linda = site.begin("Linda")
    site.post(linda, {**LINDA, "action": "submit"}, status=303)
    site.post(f"{site.f}/merge", {}, page=f"{site.f}/", status=200)
    assert 'name="vote-A1"' in site.get(linda).text
    assert cli("edit", "A1", folder, "--status", "done").exit_code == 0
    page = site.get(linda).text
    assert 'name="vote-A1"' not in page and 'name="vote-A2"' in page


def test_several_people_answering_at_once_lose_nothing(cli, tmp_path: Path) -> None:
    site = Site(_session(cli, tmp_path / "pm"))
    names = [f"Person {n}" for n in range(12)]
    pages = {name: site.begin(name) for name in names}
    errors: list[BaseException] = []

    def answer(name: str) -> None:
        try:
            site.post(pages[name], {"went_well-0-text": f"Said by {name}", "action": "submit"}, status=303)
        except BaseException as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=answer, args=(n,)) for n in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for name in names:
        saved = read(tmp_path / f"pm/responses/person-{name.split()[1]}.toml")
        assert saved["status"] == "complete" and saved["answers"]["went_well"] == [f"Said by {name}"]


def test_rows_without_javascript(cli, tmp_path: Path) -> None:
    site = Site(_session(cli, tmp_path / "pm"))
    me = site.begin("Linda")
    page = site.post(me, {"went_well-0-text": "One", "went_well-1-text": "Two", "action": "more:went_well"}, status=200)
    assert 'value="Two"' in page.text and 'name="went_well-3-text"' in page.text  # two given, two blank
    site.post(me, {"went_well-0-text": "", "went_well-1-text": "Two", "action": "submit"}, status=303)
    assert read(tmp_path / "pm/responses/linda.toml")["answers"]["went_well"] == ["Two"]  # an emptied row is removed
    site.post(me, {"went_well-0-text": "Three", "action": "draft"}, status=303)  # Enter in a finished response's form
    saved = read(tmp_path / "pm/responses/linda.toml")
    assert saved["status"] == "complete" and saved["answers"]["went_well"] == ["Three"]


def test_serve_refuses_a_folder_it_cannot_write(cli, tmp_path: Path) -> None:
    folder = _session(cli, tmp_path / "pm")
    (folder / "responses").write_text("not a folder")
    with pytest.raises(PostmortemError, match="cannot write answers here"):
        serve.check_writable(folder)
    result = cli("serve", folder, "--port", "0")
    assert result.exit_code == 2 and "serve needs a folder it can write" in result.output


def test_serve_prints_two_links_and_warns_off_loopback(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    served = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets: served.append(sockets[0].getsockname()))
    folder = _session(cli, tmp_path / "pm")
    result = cli("serve", folder, "--port", "0")
    assert result.exit_code == 0, result.output
    port = served[0][1]
    links = re.findall(rf"http://127\.0\.0\.1:{port}/([A-Za-z0-9_-]{{24}})/", result.output)
    assert len(links) == 2 and links[0] != links[1] and "warning" not in result.output
    result = cli("serve", folder, "--port", "0", "--host", "0.0.0.0")
    assert "postmortem: warning: listening on 0.0.0.0, not only this computer" in result.output


def _form_fields(qset, answers: dict) -> dict[str, str]:
    """The fields the form shows for answers (serve.form_rows, as the template lays them out)."""
    fields = {}
    for question in qset.questions:
        value = answers.get(question.id)
        if question.kind in ("items", "people", "events", "scores"):
            for index, row in enumerate(serve.form_rows(question, value)):
                fields.update({f"{question.id}-{index}-{name}": text for name, text in row.items()})
        elif value is not None:
            fields[question.id] = str(value)
    return fields


_line = (
    st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=30)
    .map(str.strip)
    .filter(lambda t: t and t.isprintable())
)


@st.composite
def _answers(draw, qset):
    from postmortem import answers as answers_mod

    answers = {}
    for question in qset.questions:
        if not draw(st.booleans()):
            continue
        if question.kind == "items":
            entries = []
            for _ in range(draw(st.integers(1, 3))):
                entry = {"text": draw(_line)}
                for name in question.fields:
                    if draw(st.booleans()):
                        entry[name] = (draw(st.dates()).isoformat() if name == "due"
                                       else draw(st.sampled_from(question.types)) if name == "type" else draw(_line))
                entries.append(entry)
            answers[question.id] = entries
        elif question.kind == "people":
            answers[question.id] = [{"name": draw(_line), "role": draw(st.one_of(st.just(""), _line)),
                                     "interest": draw(st.one_of(st.just(""), _line))}]
        elif question.kind == "events":
            answers[question.id] = [{"time": draw(_line), "what": draw(_line)}]
        elif question.kind == "scores":
            points = st.integers(1, len(question.labels))
            answers[question.id] = [{question.key: draw(_line), **{d: draw(points) for d in question.dimensions if draw(st.booleans())}}]
        elif question.kind == "rating":
            answers[question.id] = draw(st.integers(1, len(question.labels)))
        elif question.kind == "choice":
            answers[question.id] = draw(st.sampled_from(question.choices))
        elif question.kind == "text":
            answers[question.id] = draw(_line)
    return answers_mod.check_answers(qset, answers)


@pytest.mark.parametrize("set_id", ["classic", "incident", "internal-service"])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_the_form_reads_back_the_answers_it_shows(set_id: str, data) -> None:
    """Whatever answers a response holds (one line per field), the form shows them so that sending
    it unchanged gives the same answers: a resumed draft or an edit loses nothing."""
    from postmortem import answers as answers_mod
    from postmortem import questionsets

    qset = questionsets.load(set_id)
    answers = data.draw(_answers(qset))
    assert answers_mod.check_answers(qset, serve.parse_form(qset, _form_fields(qset, answers))) == answers


class _Fields(HTMLParser):
    """The fields a browser would send for the answers form as shown (no script, nothing changed)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self.form = False
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "form":
            self.form = a.get("id") == "answers"
        elif not self.form:
            return
        elif (tag == "input" and a.get("type") in ("text", "hidden")) or (tag == "input" and a.get("type") == "radio" and "checked" in a):
            self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self.select = a["name"]
            self.fields.append((self.select, ""))
        elif tag == "option" and self.select and "selected" in a:
            self.fields[-1] = (self.select, a["value"])
        elif tag == "textarea":
            self.textarea = a["name"]
            self.fields.append((self.textarea, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.form = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.textarea:
            self.fields[-1] = (self.textarea, self.fields[-1][1] + data)


def _full_answer(question):
    if question.kind == "items":
        fields = {f: "2026-12-01" if f == "due" else question.types[0] if f == "type" else "Kyle" for f in question.fields}
        return [{"text": "First <b>entry</b>", **fields}, "Second & last"]
    if question.kind == "people":
        return [{"name": "HR", "role": "People team", "interest": "nobody burns out"}]
    if question.kind == "events":
        return [{"time": "14:02", "what": "Checkout errors spike"}]
    if question.kind == "scores":
        return [{question.key: "Facilities", question.dimensions[0]: 2}]
    if question.kind == "rating":
        return 2
    if question.kind == "choice":
        return question.choices[-1]
    return 'Line one\nline two "quoted"'


@pytest.mark.parametrize("set_id", ["incident", "internal-service"])
def test_every_kind_of_question_comes_back_unchanged_through_the_page(cli, tmp_path: Path, set_id: str) -> None:
    from postmortem import questionsets

    qset = questionsets.load(set_id)
    full = {q.id: _full_answer(q) for q in qset.questions}
    folder = tmp_path / "pm"
    assert cli("start", folder, "--project", "P", "--format", set_id, "--invite", "Ann").exit_code == 0
    answers_file = write_answers(tmp_path, "Ann", full)
    assert cli("start", folder, "--answers", answers_file).exit_code == 0
    before = (folder / "responses/ann.toml").read_text()
    site = Site(folder)
    me = site.begin("Ann")
    parser = _Fields()
    parser.feed(site.get(me).text)
    sent = [(k, v) for k, v in parser.fields if k not in ("csrf", "action")]
    site.post(me, {**dict(sent), "action": "submit"}, status=303)
    assert (folder / "responses/ann.toml").read_text() == before
