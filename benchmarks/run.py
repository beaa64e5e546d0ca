"""Benchmark of postmortem against its targets, listed in benchmarks/README.md.

Startup, interview, merge, render, follow-up, and the grouping of the merged answers.

    python benchmarks/run.py            # full run: generates the data, then times every case
    python benchmarks/run.py --quick    # fewer repetitions (same data sizes)
    python benchmarks/run.py --data DIR # keep the generated data in DIR (reused when present)

Run it with the interpreter of the environment postmortem is installed in. Standard library only,
plus the installed postmortem package (used to write the generated files exactly as the tool
writes them). The data are realistic retrospective answers (see Texts), generated with a fixed
seed. Every case runs in a fresh subprocess, several times, taking turns with the baseline
it is judged against (case, baseline, case, baseline, ...); the median is reported next to the
baseline's, and each target gets a one-line PASS/FAIL verdict with the numbers. Peak memory is
the child's own ru_maxrss, from os.wait4. After the merge of 10,000 responses it reports how the
record groups the near-duplicates the generator made (reported figures, not verdicts).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import pty
import random
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

SEED = 20261123
DATA_VERSION = "realistic, files named by slug"  # in the stamp of generated data: change it with the generator, so older data is made again
PROJECT = "Organisation-wide rollout – phase 2"
DATE = dt.date(2026, 11, 2)

PY = sys.executable
BIN = Path(sys.executable).parent / "postmortem"
CLI = [str(BIN)] if BIN.exists() else [PY, "-m", "postmortem"]


# ---------------------------------------------------------------------------------------------
# Realistic data (deterministic: the same seed gives byte-identical files)
#
# Retrospective answers as people write them: a phrase grammar (who or what, what happened, why,
# what followed, when) over a vocabulary where a few words are common and most are rare (each
# list is drawn by rank, the first entries far more often), 5 to 40 words (median about 12), a
# few accented names, curly quotes and non-Latin scripts. About a fifth of the entries are an
# earlier entry written again by someone else, changed in one way (NEAR_KINDS); the generator
# records which, so that the grouping of the merged record can be scored.

SUBJECTS = (
    "the release process|the QA team|the staging environment|the deploy pipeline|code review|the backend team|"
    "the design team|the daily standup|sprint planning|the mobile app|the data migration|the on-call rotation|"
    "the customer support team|the test suite|the billing service|the product owner|the CI build|the frontend team|"
    "the search index|the vendor contract|the onboarding guide|the security review|the payment provider|"
    "the marketing launch|the load balancer|the database upgrade|the feature flags|the incident channel|"
    "the runbook|the monitoring dashboards|the alert thresholds|the capacity plan|the shift handover|"
    "the requirements document|the architecture review|the estimation session|the steering committee|"
    "the warehouse team|the finance approval|the procurement process|the translation agency|the print schedule|"
    "the call centre|the field engineers|the regional office|the compliance checklist|the audit log|"
    "the customer pilot|the beta programme|the accessibility audit|the performance budget|the cache layer|"
    "the queue workers|the schema change|the cutover weekend|the rollback plan|the status page|the SLA report|"
    "the change advisory board|the travel budget|the hiring plan|the contractor team|the shared calendar|"
    "the team wiki|the project charter|the kickoff meeting|the legal team|the HR onboarding|the quality manager"
).split("|")
ACCENTED = (
    "the Zürich office|the café rota|the São Paulo team|Renée's checklist|the “temporary” workaround|"
    "the Malmö warehouse|the Kraków developers|the Ålesund depot|the façade project|the Jyväskylä pilot|"
    "the Besançon help desk|the Gdańsk contractors|the naïve estimate|the €40,000 budget line"
).split("|")
GOOD = (
    "worked smoothly|saved us a lot of time|caught problems early|kept everyone on the same page|"
    "was well documented|scaled without trouble|sped up decisions|gave us clear ownership|cut the noise|"
    "helped new people get started|was easy to follow|kept the customer informed|surfaced risks early|"
    "let us ship twice a week|made the handover painless|kept costs predictable|was ready on time|"
    "paid off within weeks|was run by people who cared|got quick answers from management"
).split("|")
BAD = (
    "broke again and again|was set up far too late|caused a lot of confusion|slowed everyone down|"
    "had no clear owner|was missing important steps|ran over budget|blocked the release|hid the real problems|"
    "changed without notice|was flaky for weeks|failed without anyone noticing|needed manual fixes every day|"
    "was badly understaffed|took twice as long as planned|produced duplicate work|drowned us in alerts|"
    "was ignored by most people|depended on a single person|wasn't tested under real load|missed the deadline"
).split("|")
ACTIONS = (
    "write a runbook for|add automated tests to|hold a weekly review of|name one owner for|document every step of|"
    "automate the setup of|set a budget alert for|rehearse|split the work on|make a checklist for|"
    "add monitoring to|hold a short kickoff for|pair new people on|timebox discussions about|freeze changes to|"
    "agree response times for|send a status update about|retire the old version of|review the estimates for|"
    "ask for an extra person for"
).split("|")
WHEN = (
    "before the next release|during busy season|in the first week|every Monday at 10:00|by the end of the quarter|"
    "after every incident|before the cutover weekend|at the start of each sprint|when the pilot starts|"
    "before we sign the contract|once a month|within two working days|on Friday afternoons|after the holidays"
).split("|")
REASONS = (
    "because nobody knew who was responsible|because the requirements kept changing|since the vendor replied late|"
    "because we had no test data|because the old system wasn't documented|because two teams kept separate calendars|"
    "since half the team was on holiday|because the estimate left out the migration|"
    "because alerts went to an old mailing list|since every approval needed three signatures|"
    "because the staging data was months old|since the budget was cut in March|"
    "because the customer changed priorities twice|because we skipped the rehearsal|"
    "since the contractor left halfway through|because people didn't read the wiki"
).split("|")
CONSEQUENCES = (
    "which meant weekend work for several people|and the customer noticed before we did|"
    "so we had to redo the estimates|and it happened again the week after|which cost us about two days|"
    "and nobody wrote it down|even though it came up at the kickoff|which made the report late|"
    "while the dashboard showed everything green|but we recovered within the hour|and morale suffered - badly|"
    "so finance had to chase us"
).split("|")
QUALITIES = "better|earlier|clearer|shorter|more regular|more honest|smaller|faster|simpler|shared|written|explicit".split("|")
NOUNS = (
    "communication|planning|estimates|testing|documentation|handovers|ownership|priorities|feedback|reviews|"
    "demos|check-ins|budgets|deadlines|alerts|metrics|decisions|escalation paths|training|tooling"
).split("|")
PARTIES = (
    "design and engineering|sales and support|product and QA|the office and headquarters|finance and procurement|"
    "ops and development|the vendor and us|legal and marketing|the two regional teams|management and the team"
).split("|")
FILLERS = "really|very|again|clearly|honestly|definitely|mostly|also|probably|still|just|quite".split("|")
NEGATIONS = {"no", "not", "never", "without", "wasn't", "didn't", "nobody", "don't"}
SYNONYMS = {
    "release": "launch", "customer": "client", "documentation": "docs", "deadline": "due date",
    "problems": "issues", "quickly": "fast", "budget": "funding", "meeting": "call", "owner": "lead",
    "confusion": "misunderstanding", "weekly": "regular", "estimates": "estimations", "team": "group",
    "people": "folks", "ready": "done", "alerts": "alarms", "weeks": "months", "twice": "two times",
}
FOREIGN = {  # a few answers in other languages and scripts, per question
    "went_well": (
        "交接文档写得很清楚，新同事很快就上手了",
        "La coordination avec l'équipe de Lyon a très bien fonctionné",
        "Die Übergabe zwischen den Schichten lief reibungslos",
    ),
    "went_poorly": (
        "リリース前のテストが足りなかった",
        "El equipo de soporte recibió la documentación demasiado tarde",
        "Тестовый стенд постоянно падал перед релизом",
        "Η επικοινωνία με τον προμηθευτή ήταν πολύ αργή",
    ),
    "improvements": (
        "Die Freigaben früher einplanen, nicht erst in der letzten Woche",
        "Organiser un point quotidien de dix minutes à 9 h",
        "毎週月曜日に短い進捗確認をする",
    ),
}
FIRST_NAMES = (
    "Ana José Zoë Łukasz Siobhán Björn Chloé Nguyễn Ömer Priya Kwame Mei John Sarah Ahmed Fatima Lars Ingrid "
    "Raúl Søren Hana Tomás Olu Yuki Dmitri Aisha Mateo Noor Emeka Astrid Kenji Élodie Jürgen Anaïs Kyle Linda"
).split()
LAST_NAMES = (
    "García Müller Kowalski O'Brien Johansson Dubois Trần Yılmaz Sharma Mensah Wang Smith Khan Haddad Nielsen "
    "Núñez Sørensen Sato Novák Adeyemi Ivanova Lindqvist Tanaka Lefèvre Schäfer Öztürk Park Rossi Costa Ó Súilleabháin"
).split(" ")
ROLES = ["Engineer", "QA lead", "Product owner", "Designer", "Support agent", "Project manager", "Ops", "Analyst"]
NEAR_KINDS = ("case", "punctuation", "typo", "synonym", "filler", "drop", "reorder", "curly")
ITEMS = ("went_well", "went_poorly", "improvements")  # the questions whose entries are grouped


_ranks: dict[int, list[float]] = {}


def zipf(rng: random.Random, words: list[str], s: float = 0.8) -> str:
    """A word drawn by rank: the n-th is drawn about 1/n**s as often as the first."""
    weights = _ranks.get(id(words))
    if weights is None:
        weights = _ranks[id(words)] = list(itertools.accumulate(1 / rank**s for rank in range(1, len(words) + 1)))
    return rng.choices(words, cum_weights=weights)[0]


class Texts:
    """Entries of retrospective answers; about a fifth are an earlier entry of the same question
    written again, changed in one way. With `truth` (a list), each of those is recorded in it as
    (question, text, origin, kind)."""

    def __init__(self, rng: random.Random, truth: list | None = None) -> None:
        self.rng = rng
        self.truth = truth
        self.earlier: dict[str, list[str]] = {}

    def sentence(self, question: str) -> str:
        """A new entry for `question`: a clause, then reasons, consequences or times up to its length."""
        rng = self.rng
        if rng.random() < 0.01:
            return rng.choice(FOREIGN[question])
        subject = rng.choice(ACCENTED) if rng.random() < 0.05 else zipf(rng, SUBJECTS, 0.7)
        shape = rng.random()
        if question == "improvements":
            if shape < 0.35:
                clause = f"{zipf(rng, QUALITIES)} {zipf(rng, NOUNS)} between {zipf(rng, PARTIES)}"
            elif shape < 0.5:
                clause = f"more {zipf(rng, NOUNS)} {zipf(rng, WHEN)}"
            else:
                clause = f"{zipf(rng, ACTIONS, 0.6)} {subject} {zipf(rng, WHEN)}"
        elif question == "went_well":
            clause = f"{subject} {zipf(rng, GOOD)}" if shape < 0.75 else f"{zipf(rng, QUALITIES)} {zipf(rng, NOUNS)} with {subject}"
        else:
            clause = f"{subject} {zipf(rng, BAD)}" if shape < 0.75 else f"no {zipf(rng, NOUNS)} between {zipf(rng, PARTIES)}"
        words = clause.split()
        length = min(40, max(5, round(rng.lognormvariate(2.2, 0.55))))  # median about 12 words
        for tails in rng.sample((REASONS, CONSEQUENCES, CONSEQUENCES, WHEN, WHEN), 5):  # one reason at most
            tail = zipf(rng, tails, 0.5)
            if len(words) >= length or len(words) + len(tail.split()) > 40:
                break
            if tail not in " ".join(words):
                words += tail.split()
        while len(words) < 5:
            words.append(rng.choice(FILLERS))
        text = " ".join(words)
        return text[0].upper() + text[1:] + ("." if rng.random() < 0.5 else "")

    def near(self, text: str) -> tuple[str, str]:
        """`text` as another person writes the same point, and how it differs: one of NEAR_KINDS,
        drawn at random among those that apply to it."""
        for kind in self.rng.sample(NEAR_KINDS, len(NEAR_KINDS)):
            variant = self._vary(text, kind)
            if variant is not None and variant != text:
                return variant, kind
        raise AssertionError("a filler word applies to any text")

    def _vary(self, text: str, kind: str) -> str | None:
        """`text` changed in the way `kind` names, or None where that way does not apply to it."""
        rng = self.rng
        words = text.rstrip(".!").split()
        if kind == "case":
            return text.lower()
        if kind == "punctuation":
            return text[:-1] + "!" if text.endswith(".") else text + "."
        if kind == "typo":  # two neighbouring letters swapped, inside a word of five letters or more
            spots = [(i, j) for i, w in enumerate(words) if len(w) > 4 and w.isalpha()
                     for j in range(1, len(w) - 2) if w[j] != w[j + 1]]
            if not spots:
                return None
            i, j = rng.choice(spots)
            w = words[i]
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
        elif kind == "synonym":
            spots = [i for i, w in enumerate(words) if w.lower() in SYNONYMS]
            if not spots:
                return None
            i = rng.choice(spots)
            words[i] = SYNONYMS[words[i].lower()]
        elif kind == "drop":
            spots = [i for i, w in enumerate(words) if i > 0 and w.lower() not in NEGATIONS]
            if len(words) < 6 or not spots:
                return None
            del words[rng.choice(spots)]
        elif kind == "reorder":  # "X because Y" -> "Because Y, x"; "X and Y" -> "Y and x"
            sentence = " ".join(words)
            joints = (" because ", " since ") if any(p in sentence for p in PARTIES) else (" because ", " since ", " and ")
            for joint in joints:
                first, _, second = sentence.partition(joint)
                if first and second:
                    first = first[0].lower() + first[1:]
                    if joint == " and ":
                        return f"{second[0].upper()}{second[1:]} and {first}"
                    return f"{joint.strip().capitalize()} {second}, {first}"
            return None
        elif kind == "curly":  # typographic apostrophes and dashes, or the whole entry in curly quotes
            curly = text.replace("'", "\u2019").replace(" - ", " \u2014 ")
            return curly if curly != text else f"\u201c{text.rstrip('.')}\u201d"
        else:  # filler: one word more
            words.insert(rng.randrange(1, len(words) + 1), rng.choice(FILLERS))
        return " ".join(words)

    def next(self, question: str) -> str:
        """The next entry for `question`: new, or (a fifth of the time) an earlier one written again."""
        earlier = self.earlier.setdefault(question, [])
        if earlier and self.rng.random() < 0.2:
            origin = self.rng.choice(earlier)
            text, kind = self.near(origin)
            if self.truth is not None:
                self.truth.append((question, text, origin, kind))
            return text
        text = self.sentence(question)
        earlier.append(text)
        return text


def _answers(rng: random.Random, texts: Texts, people: list[str]) -> dict:
    improvements: list = []
    for _ in range(rng.randint(2, 4)):
        text = texts.next("improvements")
        if rng.random() < 0.4:
            due = DATE + dt.timedelta(days=rng.randint(10, 120))
            improvements.append({"text": text, "owner": rng.choice(people), "due": due})
        else:
            improvements.append(text)
    return {
        "went_well": [texts.next("went_well") for _ in range(rng.randint(3, 5))],
        "went_poorly": [texts.next("went_poorly") for _ in range(rng.randint(3, 5))],
        "improvements": improvements,
        "stakeholders": [{"name": rng.choice(people), "role": rng.choice(ROLES), "interest": texts.sentence("went_well")}],
        "takeaways": texts.sentence("improvements"),
        "rating": rng.randint(1, 5),
        "roti": rng.randint(1, 5),
    }


def _people(rng: random.Random, count: int) -> list[str]:
    return [f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" for _ in range(count)]


def make_session(folder: Path, responses: int, seed: int) -> list[tuple[str, str, str, str]]:
    """A classic post-mortem with `responses` complete responses of about 12 entries each; gives
    its near-duplicates, as Texts records them."""
    from postmortem import store
    from postmortem.questionsets import source_file
    from postmortem.session import QUESTIONS_FILE, SESSION_FILE
    from postmortem.response import Response

    rng = random.Random(seed)
    truth: list[tuple[str, str, str, str]] = []
    texts = Texts(rng, truth)
    people = _people(rng, 60)
    (folder / "responses").mkdir(parents=True)
    (folder / QUESTIONS_FILE).write_text(source_file("classic").read_text(encoding="utf-8"), encoding="utf-8")
    session = {"schema_version": 1, "project": PROJECT, "format": "classic", "date": DATE, "anonymous": False, "invited": []}
    (folder / SESSION_FILE).write_text(store.dumps(session), encoding="utf-8")
    updated = dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.timezone.utc)
    for number in range(responses):
        answers = _answers(rng, texts, people)
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} {number:05d}"
        response = Response(name, rng.choice(ROLES), answers, complete=True, updated=updated)
        (folder / "responses" / f"{response.slug}.toml").write_text(store.dumps(response.to_toml()), encoding="utf-8")
    return truth


def make_followup(root: Path, folders: int, seed: int) -> None:
    """`folders` post-mortems, each with a merged record of a few responses (action items with
    owners, due dates and statuses), as years of post-mortems in a wiki repository would be."""
    from postmortem import merge, store
    from postmortem.answers import check_answers
    from postmortem.questionsets import load
    from postmortem.session import Session
    from postmortem.response import Response

    rng = random.Random(seed)
    qset = load("classic")
    statuses = ["open", "open", "open", "in progress", "done", "dropped"]
    for index in range(folders):
        folder = root / f"{2020 + index // 200}" / f"retro-{index:04d}"
        (folder / "responses").mkdir(parents=True)
        date = dt.date(2020 + index // 200, 1, 1) + dt.timedelta(days=(index % 200) * 1.8)
        session = Session(folder, f"Project {index:04d}", "classic", date)
        texts = Texts(rng)
        people = _people(rng, 8)
        responses = [
            Response(name, rng.choice(ROLES), check_answers(qset, _answers(rng, texts, people)), complete=True)
            for name in rng.sample(people, rng.randint(3, 6))
        ]
        record = merge.build_record(session, qset, responses)
        for section in record["sections"]:
            for item in section.get("items", []) if section.get("actions") else []:
                item["status"] = rng.choice(statuses)
                item.setdefault("owner", rng.choice(people))
                item.setdefault("due", date + dt.timedelta(days=rng.randint(7, 400)))
        (folder / "postmortem.toml").write_text(store.dumps(session.to_toml()), encoding="utf-8")
        (folder / "record.toml").write_text(store.dumps(record), encoding="utf-8")


def prepare(data: Path) -> dict[str, Path]:
    """The data folders, generated once (a stamp file marks a finished generation), and beside
    them truth-10k.json: the near-duplicates of the 10k post-mortem."""
    paths = {"10k": data / "session-10k", "1k": data / "session-1k", "followup": data / "followup", "truth": data / "truth-10k.json"}
    stamp = data / f"generated-{SEED}-{DATA_VERSION}"
    if stamp.exists():
        return paths
    for path in (paths["10k"], paths["1k"], paths["followup"]):
        shutil.rmtree(path, ignore_errors=True)
    started = time.perf_counter()
    print("Generating the data ...", file=sys.stderr, flush=True)
    truth = make_session(paths["10k"], 10_000, SEED)
    paths["truth"].write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
    make_session(paths["1k"], 1_000, SEED + 1)
    make_followup(paths["followup"], 1_000, SEED + 2)
    (data / "typer_app.py").write_text(TYPER_APP, encoding="utf-8")
    stamp.write_text("done\n", encoding="utf-8")
    print(f"  done in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    return paths


# The framework baseline for `--help`: one command, the same Typer settings as postmortem's app.
TYPER_APP = '''
import typer

app = typer.Typer(help="A one-command app.", no_args_is_help=True, pretty_exceptions_enable=False, rich_markup_mode=None)


@app.callback()
def _main(version: bool = typer.Option(False, "--version", is_eager=True, help="Show the version and exit.")) -> None:
    """A one-command app."""


@app.command()
def hello(name: str = typer.Argument("world", help="Who to greet.")) -> None:
    """Say hello."""
    typer.echo(f"hello {name}")


app(prog_name="tiny")
'''


# ---------------------------------------------------------------------------------------------
# Measuring


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TYPER_USE_RICH", "_TYPER_COMPLETE")}
    env.update(COLUMNS="100", TERM="xterm-256color", PROMPT_TOOLKIT_NO_CPR="1", PYTHONDONTWRITEBYTECODE="")
    return env


class Failed(Exception):
    pass


WARM = True
CPU = False  # --cpu: judge by the child's CPU time (user + system) instead of wall time


def run_once(args: list[str], before=None) -> tuple[float, int]:
    """Time (s; wall time, or CPU time with --cpu) and peak memory (KiB) of one subprocess run;
    raises Failed on a non-zero exit."""
    if before:
        before()
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env())
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    if proc.returncode != 0:
        raise Failed(f"{' '.join(args[:4])} ... exited {proc.returncode}: {err.decode(errors='replace').strip()[:300]}")
    return (usage.ru_utime + usage.ru_stime if CPU else elapsed), usage.ru_maxrss


def measure(args: list[str], repeats: int, before=None, warm: bool = True) -> tuple[float, int]:
    """Median time and highest peak memory over `repeats` runs (after one warm-up run)."""
    return side_by_side([lambda: run_once(args, before)], repeats, warm)[0]


def side_by_side(cases: list, repeats: int, warm: bool = True) -> list[tuple[float, int]]:
    """Median time and highest peak memory of each case (a function that runs it once and gives its
    time and memory), the cases taking turns: A B A B ... A change in the machine's speed during
    the run (a busy neighbour on a shared machine) then falls on a case and its baseline alike,
    where timing all of A before all of B would put it into their ratio."""
    if warm:
        for case in cases:
            case()  # warm the file cache and the bytecode cache
    runs: list[list[tuple[float, int]]] = [[] for _ in cases]
    for _ in range(repeats):
        for case, times in zip(cases, runs, strict=True):
            times.append(case())
    return [(statistics.median(t for t, _ in times), max(m for _, m in times)) for times in runs]


def first_prompt_once(folder: Path, number: int) -> float:
    """Seconds from spawning `postmortem start` on a pseudo-terminal to its first question on screen.

    Honest end to end: interpreter start, CLI import, loading the session, importing questionary
    and prompt_toolkit, building the prompt and writing it to the terminal, exactly what a person
    waits for. The clock stops when the first question's text has reached the terminal; the
    process is then killed and its draft removed so every run starts the same way.
    """
    name = f"Bench {number}"
    args = [*CLI, "start", str(folder), "--name", name, "--role", "Dev"]
    master, slave = pty.openpty()
    import fcntl
    import struct
    import termios

    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=_env(), start_new_session=True)
    os.close(slave)
    seen = b""
    deadline = started + 30
    try:
        while b"What went well" not in seen.replace(b"\x1b", b" "):
            if time.perf_counter() > deadline:
                raise Failed(f"no prompt within 30 s; the terminal showed: {seen[-300:]!r}")
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise Failed(f"the interview ended before its first question: {seen[-300:]!r}")
                seen += chunk
        elapsed = time.perf_counter() - started
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        os.close(master)
        for path in (folder / "responses").glob("bench-*.toml"):
            path.unlink()
    return elapsed


def command_available(command: str) -> bool:
    proc = subprocess.run([*CLI, command, "--help"], capture_output=True, env=_env())
    return proc.returncode == 0


PARSE = """
import sys, tomllib
from pathlib import Path
for path in sorted(Path(sys.argv[1]).glob("*.toml")):
    tomllib.loads(path.read_bytes().decode("utf-8"))
"""


# ---------------------------------------------------------------------------------------------
# Reporting

verdicts: list[str] = []


def show(label: str, seconds: float, extra: str = "") -> None:
    print(f"  {label:<44} {seconds:8.3f} s  {extra}", flush=True)


def verdict(ok: bool, name: str, detail: str) -> None:
    line = f"{'PASS' if ok else 'FAIL'}: {name}: {detail}"
    verdicts.append(line)
    print(line, flush=True)


def skip(name: str, why: str) -> None:
    line = f"SKIP: {name}: {why}"
    verdicts.append(line)
    print(line, flush=True)


def machine() -> str:
    import platform

    import postmortem

    return (
        f"postmortem {postmortem.__version__}, Python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs, {platform.system()} {platform.release()}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, no warm-up of heavy cases (same data sizes)")
    parser.add_argument("--cpu", action="store_true", help="judge by CPU time (user + system) instead of wall time: "
                        "steadier on a shared, loaded machine")
    parser.add_argument("--data", type=Path, help="keep the generated data here and reuse it (default: a temporary folder)")
    options = parser.parse_args()
    startup_runs, heavy_runs = (11, 2) if options.quick else (41, 5)  # startup: cheap runs, ms apart: many
    global CPU, WARM
    CPU, WARM = options.cpu, not options.quick

    temporary = None
    if options.data is None:
        temporary = tempfile.mkdtemp(prefix="postmortem-bench-")
        options.data = Path(temporary)
    options.data.mkdir(parents=True, exist_ok=True)
    try:
        paths = prepare(options.data)
        print(f"# postmortem benchmark ({'quick' if options.quick else 'full'}): {machine()}")
        print(f"# {'CPU' if CPU else 'wall'} time, medians of {startup_runs} (startup) and {heavy_runs} (heavy cases) runs"
              f"{', each after a warm-up run' if WARM else ''}\n")
        try:
            startup(paths, options.data, startup_runs)
            merge_and_render(paths, heavy_runs)
            followup(paths, heavy_runs)
        except Failed as err:
            print(f"FAIL: a case did not run: {err}")
            return 1
    finally:
        if temporary:
            shutil.rmtree(temporary, ignore_errors=True)
    print("\nSummary:")
    for line in verdicts:
        print(f"  {line}")
    return 1 if any(line.startswith("FAIL") for line in verdicts) else 0


def startup(paths: dict[str, Path], data: Path, runs: int) -> None:
    print("1. Startup")
    (version, _), (typer_import, _) = side_by_side(
        [lambda: run_once([*CLI, "--version"]), lambda: run_once([PY, "-c", "import typer"])], runs
    )
    show("postmortem --version", version)
    show('python -c "import typer"', typer_import, f"ratio {version / typer_import:.2f}x")
    verdict(version <= 1.15 * typer_import, "startup --version",
            f"{version:.3f} s vs import typer {typer_import:.3f} s = {version / typer_import:.2f}x (target <= 1.15x)")

    (help_time, _), (tiny, _) = side_by_side(
        [lambda: run_once([*CLI, "--help"]), lambda: run_once([PY, str(data / "typer_app.py"), "--help"])], runs
    )
    show("postmortem --help", help_time)
    show("one-command Typer app --help", tiny, f"ratio {help_time / tiny:.2f}x")
    verdict(help_time <= 1.15 * tiny, "startup --help",
            f"{help_time:.3f} s vs one-command Typer app {tiny:.3f} s = {help_time / tiny:.2f}x (target <= 1.15x)")

    global CPU
    judge_by_cpu, CPU = CPU, False  # waiting for a prompt is wall time by nature: both sides in wall time
    number = iter(range(2 * runs + 2))  # a new participant name each run
    (prompt, _), (questionary, _) = side_by_side(
        [lambda: (first_prompt_once(paths["1k"], next(number)), 0), lambda: run_once([PY, "-c", "import questionary"])], runs
    )
    CPU = judge_by_cpu
    show("postmortem start: first question on a pty (wall)", prompt)
    show('python -c "import questionary"', questionary, f"difference {prompt - questionary:+.3f} s")
    verdict(prompt <= questionary + 0.1, "first interview prompt",
            f"{prompt:.3f} s vs import questionary {questionary:.3f} s + 0.1 s = {questionary + 0.1:.3f} s")
    print()


def merge_and_render(paths: dict[str, Path], runs: int) -> float:
    print("2. Merge (10,000 and 1,000 responses of realistic answers, about 12 entries each, a fifth near-duplicates)")

    def first_merge(folder: Path):  # a first merge each time: no record left from the run before
        return lambda: run_once([*CLI, "merge", str(folder)], before=lambda: (folder / "record.toml").unlink(missing_ok=True))

    record, first_record = paths["10k"] / "record.toml", paths["10k"].parent / "record-10k-first-merge.toml"
    (merge10k, memory), (again, again_memory), (parse, _), (merge1k, _) = side_by_side(
        [
            first_merge(paths["10k"]),
            # over the record just made, a re-merge; the first merge's record is kept aside for its grouping
            lambda: run_once([*CLI, "merge", str(paths["10k"])], before=lambda: shutil.copyfile(record, first_record)),
            lambda: run_once([PY, "-c", PARSE, str(paths["10k"] / "responses")]),
            first_merge(paths["1k"]),
        ],
        runs,
        warm=WARM,
    )
    show("merge 10k (first merge)", merge10k, f"peak {memory / 1024:.0f} MB")
    show("merge 10k again (keeps its record)", again, f"peak {again_memory / 1024:.0f} MB")
    show("tomllib parse of the 10k response files", parse, f"ratio {merge10k / parse:.2f}x (again {again / parse:.2f}x)")
    show("merge 1k", merge1k, f"10k/1k {merge10k / merge1k:.2f}")
    size = (paths["10k"] / "record.toml").stat().st_size
    print(f"  record.toml of 10k: {size / 1e6:.1f} MB")
    verdict(merge10k <= 3 * parse, "merge 10k vs parse",
            f"{merge10k:.3f} s vs tomllib parse {parse:.3f} s = {merge10k / parse:.2f}x (target <= 3x)")
    peak = max(memory, again_memory) / 1024
    verdict(peak <= 400, "merge 10k peak memory", f"{peak:.0f} MB (target <= 400 MB)")
    verdict(merge10k / merge1k <= 12, "merge 10k/1k", f"{merge10k:.3f} s / {merge1k:.3f} s = {merge10k / merge1k:.2f} (target <= 12)")
    for name, path in (("first merge", first_record), ("re-merge", record)):
        print(f"  Grouping of the 10k record ({name}):")
        for line in grouping_quality(path, paths["truth"]):
            print(f"    {line}")
    print()

    print("3. Render the 10k record")
    record = str(paths["10k"] / "record.toml")
    markdown, markdown_memory = measure([*CLI, "render", record], runs, warm=WARM)
    html, html_memory = measure([*CLI, "render", record, "--to", "html"], runs, warm=WARM)
    show("render Markdown", markdown, f"{markdown / merge10k:.2f}x merge, peak {markdown_memory / 1024:.0f} MB")
    show("render HTML", html, f"{html / merge10k:.2f}x merge, peak {html_memory / 1024:.0f} MB")
    for name, took in (("render Markdown", markdown), ("render HTML", html)):
        verdict(took <= 2.0 and took <= merge10k, name,
                f"{took:.3f} s (target <= 2 s and <= merge {merge10k:.3f} s)")
    print()
    return merge10k


def _point(text: str) -> str:
    """The point a generated sentence makes: its words, case aside."""
    return " ".join(re.findall(r"\w+", text.casefold()))


def grouping_quality(record: Path, truth: Path) -> list[str]:
    """How the merged record groups the entries Texts generated (reported, not judged): the share
    of near-duplicates grouped with the entry they were made from, per kind and overall, and the
    share of wordings in groups that mix two or more distinct generated sentences."""
    import tomllib

    group: dict[tuple[str, str], int] = {}  # (question, wording) -> the group it is in
    groups: list[tuple[str, list[str]]] = []
    for section in tomllib.loads(record.read_text(encoding="utf-8"))["sections"]:
        if section["id"] in ITEMS:
            for item in section.get("items", []):
                wordings = item.get("wordings") or [item["text"]]
                group.update(((section["id"], wording), len(groups)) for wording in wordings)
                groups.append((section["id"], wordings))
    found: Counter[str] = Counter()
    joined: Counter[str] = Counter()
    points: dict[tuple[str, str], set[str]] = defaultdict(set)  # a near-duplicate's wording -> the points it makes
    for question, text, origin, kind in json.loads(truth.read_text(encoding="utf-8")):
        points[question, text].add(_point(origin))
        where, origins = group.get((question, text)), group.get((question, origin))
        if where is not None and origins is not None:
            found[kind] += 1
            joined[kind] += where == origins
    lines = [
        "near-duplicates grouped with their origin: "
        + ", ".join(f"{kind} {joined[kind] / found[kind]:.1%}" for kind in NEAR_KINDS if found[kind]),
        f"  all kinds: {joined.total() / max(found.total(), 1):.1%} ({joined.total()} of {found.total()}; aim >= 90%)",
    ]
    mixed = [
        wordings for question, wordings in groups
        if len({point for wording in wordings for point in points.get((question, wording)) or {_point(wording)}}) > 1
    ]
    wordings = sum(len(w) for _, w in groups)
    mixed_wordings = sum(len(w) for w in mixed)
    largest = max((len(w) for _, w in groups), default=0)
    lines.append(f"wordings in groups mixing distinct generated sentences: {mixed_wordings / max(wordings, 1):.1%} "
                 f"({mixed_wordings} of {wordings}, in {len(mixed)} of {len(groups)} groups; aim <= 2%); "
                 f"largest group: {largest} wordings")
    return lines


def followup(paths: dict[str, Path], runs: int) -> None:
    print("4. Follow-up over 1,000 post-mortem folders")
    root = str(paths["followup"])
    for command in ("actions", "history"):
        if not command_available(command):
            skip(command, "command not available")
            continue
        took, _ = measure([*CLI, command, root], runs, warm=WARM)
        show(f"{command} over 1,000 folders", took)
        verdict(took <= 1.5, command, f"{took:.3f} s (target <= 1.5 s)")
    print()


if __name__ == "__main__":
    sys.exit(main())
