"""`postmortem serve` in a real browser: headless Chromium (Debian's chromium and chromium-driver,
which .ci/run installs) driven by Selenium.

Three people answer examples/serve-harbour-street-branch through the form (one saves a draft and
comes back to it by name, one meets a nudge and keeps her words), vote on their own pages, and the
facilitator merges from the facilitator's page; the folder that gives must be the committed
example, which examples/regenerate.py builds with `start --answers` and `vote --votes`. A fourth
person answers an anonymous post-mortem through a token link, and a fifth with script turned off.
Every page is checked for console errors (a CSP violation is one) and for a label on every control.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, read
from test_examples import regenerate

EXAMPLE = REPO / "examples" / "serve-harbour-street-branch"
CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not (CHROMIUM and DRIVER) and not os.environ.get("CI"),
    reason="needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver; .ci/run does)",
)]

UNLABELLED = """
const bad = [];
for (const el of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
  if (!(el.labels && el.labels.length) && !el.getAttribute("aria-label")) bad.push(el.id || el.name);
}
for (const el of document.querySelectorAll("button, a")) {
  if (!el.textContent.trim() && !el.getAttribute("aria-label")) bad.push(el.outerHTML);
}
if (!document.documentElement.lang) bad.push("<html> has no lang");
if (!document.title.trim()) bad.push("the page has no title");
return bad;
"""


def _chromium(javascript: bool = True) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=en-US"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.implicitly_wait(5)
    return driver


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    driver = _chromium()
    try:
        yield driver
    finally:
        driver.quit()


class Served:
    """`postmortem serve` on a free port, in a process of its own, with the clock fixed."""

    def __init__(self, folder: Path, clock: dt.datetime) -> None:
        env = {**os.environ, "SOURCE_DATE_EPOCH": str(int(clock.timestamp()))}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "postmortem", "serve", str(folder), "--port", "0"],
            env=env, stderr=subprocess.PIPE, text=True,
        )
        lines = [self.process.stderr.readline() for _ in range(2)]
        self.participants = lines[0].split()[-1]
        self.facilitator = lines[1].split()[-1]
        assert lines[0].startswith("Participants: http://127.0.0.1:") and lines[1].startswith("Facilitator:"), lines

    def stop(self) -> str:
        self.process.send_signal(signal.SIGINT)
        _, errors = self.process.communicate(timeout=30)
        return errors


class Person:
    """One participant in the browser; every page they see is checked."""

    def __init__(self, driver: Any, served: Served, checked: list[str]) -> None:
        self.driver, self.served, self.checked = driver, served, checked
        self.page = ""

    def by(self, css: str) -> Any:
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def check_page(self) -> None:
        assert self.driver.execute_script(UNLABELLED) == [], self.driver.current_url
        severe = [e["message"] for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]
        assert severe == [], severe
        self.checked.append(self.driver.current_url)

    def open(self, url: str) -> None:
        self.driver.get(url)
        self.check_page()

    def click(self, css: str) -> None:
        """Click a button or link that loads a page, and wait for that page."""
        from selenium.webdriver.support import expected_conditions
        from selenium.webdriver.support.wait import WebDriverWait

        old = self.by("html")
        self.by(css).click()
        WebDriverWait(self.driver, 20).until(expected_conditions.staleness_of(old))
        self.check_page()

    def type(self, element_id: str, text: str) -> None:
        field = self.by(f"#{element_id}")
        field.clear()
        field.send_keys(text)

    def start(self, name: str, role: str) -> None:
        self.open(self.served.participants)
        self.type("name", name)
        self.type("role", role)
        self.click("button[type=submit]")
        self.page = self.driver.current_url.split("?")[0]

    def answer(self, qset: Any, answers: dict[str, Any], only: tuple[str, ...] | None = None) -> None:
        """Type answers into the form as a person would: rows added with the Add a row button."""
        from selenium.common.exceptions import NoSuchElementException

        for question in qset.questions:
            value = answers.get(question.id)
            if value is None or (only is not None and question.id not in only):
                continue
            if question.kind in ("items", "people"):
                for index, entry in enumerate(value):
                    entry = {"text": entry} if isinstance(entry, str) else entry
                    try:
                        self.by(f"#{question.id}-{index}-{next(iter(entry))}")
                    except NoSuchElementException:
                        before = self.driver.current_url
                        self.by(f'button.add[data-rows="{question.id}-rows"]').click()  # adds a row in place
                        assert self.driver.current_url == before
                    for field, text in entry.items():
                        self.type(f"{question.id}-{index}-{field}", str(text))
            elif question.kind in ("rating", "choice"):
                self.by(f'input[name="{question.id}"][value="{value}"]').click()
            else:
                self.type(question.id, value)

    def submit(self) -> None:
        self.click('button.primary[value="submit"]')
        if "saved=submitted" not in self.driver.current_url:  # a nudge: shown inline, once; submitting again keeps the words
            assert self.driver.find_elements("css selector", "p.nudge")
            self.click('button.primary[value="submit"]')
        assert "saved=submitted" in self.driver.current_url

    def vote(self, votes: str) -> None:
        self.open(self.page)
        for pair in votes.split(","):
            action_id, dots = pair.split("=")
            self.type(f"vote-{action_id}", dots)
        self.click("#vote button.primary")
        assert "saved=voted" in self.driver.current_url


def _cli(folder: Path, clock: dt.datetime, *args: str) -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(int(clock.timestamp()))}
    subprocess.run([sys.executable, "-m", "postmortem", *args], cwd=folder, env=env, check=True, capture_output=True)


def test_three_people_answer_and_vote_in_a_browser_and_the_folder_is_the_example(browser, tmp_path: Path) -> None:
    from postmortem import questionsets

    settings = tomllib.loads((EXAMPLE / "example.toml").read_text(encoding="utf-8"))
    clock = settings["clock"]
    folder = tmp_path / "served"
    folder.mkdir()
    _cli(folder, clock, "start", ".", "--project", settings["project"], "--format", settings["format"],
         "--date", str(settings["date"]), *(a for name in settings["invited"] for a in ("--invite", name)))
    qset = questionsets.load(settings["format"])
    people = [tomllib.loads(p.read_text(encoding="utf-8")) for p in sorted((EXAMPLE / "answers").glob("*.toml"))]
    served = Served(folder, clock)
    checked: list[str] = []
    try:
        persons = {}
        for data in people:
            person = persons[data["name"]] = Person(browser, served, checked)
            person.start(data["name"], data["role"])
            if data["name"] == "Dana Okafor":  # a draft first, then back by name another time
                person.answer(qset, data["answers"], only=("went_well", "went_poorly"))
                person.click('.buttons button[value="draft"]')
                assert "saved=draft" in browser.current_url
                assert read(folder / "responses/dana-okafor.toml")["status"] == "draft"
                person.start(data["name"], "")
                assert person.by("#went_well-1-text").get_attribute("value") == data["answers"]["went_well"][1]
                person.answer(qset, data["answers"], only=tuple(q.id for q in qset.questions[2:]))
            else:
                person.answer(qset, data["answers"])
            person.submit()

        facilitator = Person(browser, served, checked)
        facilitator.open(served.facilitator)
        assert "3 invited · 3 answered · 0 draft(s) · 0 due" in facilitator.by("#status").text
        facilitator.click("form button.primary")
        assert "Merged 3 response(s)" in facilitator.by("p.notice").text
        for name, votes in settings["votes"].items():
            persons[name].vote(votes)
        facilitator.open(served.facilitator)
        facilitator.click("form button.primary")
        facilitator.click("a[href$='/report']")
        assert "Harbour Street branch opening" in browser.find_element("css selector", "h1").text
        facilitator.check_page()  # the report's own style passes the CSP by its hash: no console error
    finally:
        errors = served.stop()
    assert "Traceback" not in errors, errors
    assert len(checked) >= 20

    _cli(folder, clock, "render", ".", "-o", "report.md", "--answers-page", "answers.md")
    assert regenerate.differences(EXAMPLE, folder) == []


def test_an_anonymous_person_answers_through_a_token_link(browser, tmp_path: Path) -> None:
    from postmortem import questionsets

    clock = dt.datetime(2026, 10, 9, 15, 30, tzinfo=dt.timezone.utc)
    answers = tomllib.loads((EXAMPLE / "answers" / "grace.toml").read_text(encoding="utf-8"))
    folders = {}
    for kind in ("served", "typed"):
        folders[kind] = tmp_path / kind
        folders[kind].mkdir()
        _cli(folders[kind], clock, "start", ".", "--project", "Harbour Street", "--anonymous", "--date", "2026-10-09",
             "--invite", "Grace Lindqvist")
    served = Served(folders["served"], clock)
    checked: list[str] = []
    try:
        person = Person(browser, served, checked)
        person.open(served.participants)
        assert browser.find_elements("css selector", "#name") == []  # never asks a name
        person.click('button[value="new"]')
        token = browser.current_url.split("/r/")[1].split("/")[0]
        assert token in person.by("p.meta").text
        person.answer(questionsets.load("classic"), answers["answers"])
        person.submit()
    finally:
        served.stop()
    typed_answers = tmp_path / "grace.toml"
    typed_answers.write_text((EXAMPLE / "answers" / "grace.toml").read_text(encoding="utf-8"), encoding="utf-8")
    _cli(folders["typed"], clock, "start", ".", "--answers", str(typed_answers))
    (served_file,) = (folders["served"] / "responses").glob("*.toml")
    (typed_file,) = (folders["typed"] / "responses").glob("*.toml")
    assert served_file.stem == token
    assert read(served_file) == {**read(typed_file), "name": token}
    for folder in folders.values():
        _cli(folder, clock, "merge", ".")
    assert (folders["served"] / "record.toml").read_text() == (folders["typed"] / "record.toml").read_text()
    assert token not in (folders["served"] / "record.toml").read_text()  # nobody can join her answers by it


def test_the_form_works_with_javascript_off(tmp_path: Path) -> None:
    clock = dt.datetime(2026, 10, 9, 15, 30, tzinfo=dt.timezone.utc)
    _cli(tmp_path, clock, "start", ".", "--project", "Harbour Street", "--invite", "Omar Haddad")
    served = Served(tmp_path, clock)
    driver = _chromium(javascript=False)
    try:
        person = Person(driver, served, [])
        person.start("Omar Haddad", "Customer service lead")
        entries = ["Shadowing Dock Road for a week", "Badges ready on day one", "Queue screens fixed the same day"]
        for index, text in enumerate(entries):
            if index == 2:  # without script, Add a row asks the server for the page with one more row
                person.click('button.add[data-rows="went_well-rows"]')
                assert driver.find_element("css selector", "#went_well-1-text").get_attribute("value") == entries[1]
            person.type(f"went_well-{index}-text", text)
        assert not person.by("button.remove").is_displayed()  # Remove needs script; emptying a row removes it
        person.submit()
    finally:
        driver.quit()
        served.stop()
    assert read(tmp_path / "responses/omar-haddad.toml")["answers"] == {"went_well": entries}
