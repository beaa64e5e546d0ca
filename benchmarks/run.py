"""Benchmark of postmortem against the targets of issue 7: startup, interview, merge, render, follow-up.

    python benchmarks/run.py            # full run: generates the data, then times every case
    python benchmarks/run.py --quick    # fewer repetitions (same data sizes)
    python benchmarks/run.py --data DIR # keep the generated data in DIR (reused when present)

Run it with the interpreter of the environment postmortem is installed in. Standard library only,
plus the installed postmortem package (used to write the synthetic files exactly as the tool
writes them). Every case runs in a fresh subprocess, several times, taking turns with the baseline
it is judged against (case, baseline, case, baseline, ...); the median is reported next to the
baseline's, and each target gets a one-line PASS/FAIL verdict with the numbers. Peak memory is
the child's own ru_maxrss, from os.wait4.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import pty
import random
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SEED = 20261123
SYLLABLES = "ka lo mi re su ta ne vo pi da gu be ri so fa no te ly mu zo ch ar en ol is".split()
FILLER = ["the", "a", "of", "to", "for", "with", "and", "in", "on", "our"]
PROJECT = "Synthetic organisation-wide rollout"
DATE = dt.date(2026, 11, 2)

PY = sys.executable
BIN = Path(sys.executable).parent / "postmortem"
CLI = [str(BIN)] if BIN.exists() else [PY, "-m", "postmortem"]


# ---------------------------------------------------------------------------------------------
# Synthetic data (deterministic: the same seed gives byte-identical files)


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


class Texts:
    """Short entries of 5 to 10 words; about a fifth are near-duplicates of an earlier entry
    (case, punctuation, plural, word order or one word changed), as people write them."""

    def __init__(self, rng: random.Random, vocabulary: list[str]) -> None:
        self.rng = rng
        self.vocabulary = vocabulary
        self.earlier: list[str] = []

    def fresh(self) -> str:
        rng = self.rng
        words = [rng.choice(self.vocabulary) for _ in range(rng.randint(5, 10))]
        for _ in range(rng.randint(0, 2)):
            words.insert(rng.randrange(len(words)), rng.choice(FILLER))
        return " ".join(words).capitalize()

    def near(self, text: str) -> str:
        rng = self.rng
        words = text.rstrip(".!").split()
        change = rng.randrange(5)
        if change == 0:
            return text.lower() + "."
        if change == 1:
            return " ".join(w + "s" if i == 1 else w for i, w in enumerate(words))
        if change == 2:
            rng.shuffle(words)
            return " ".join(words)
        if change == 3:
            words[rng.randrange(len(words))] = rng.choice(self.vocabulary)
            return " ".join(words) + "!"
        return " ".join([*words, rng.choice(FILLER)]).upper()

    def next(self) -> str:
        if self.earlier and self.rng.random() < 0.2:
            return self.near(self.rng.choice(self.earlier))
        text = self.fresh()
        self.earlier.append(text)
        return text


def _answers(rng: random.Random, texts: Texts, people: list[str], number: int) -> dict:
    improvements: list = []
    for _ in range(rng.randint(2, 4)):
        text = texts.next()
        if rng.random() < 0.4:
            due = DATE + dt.timedelta(days=rng.randint(10, 120))
            improvements.append({"text": text, "owner": rng.choice(people), "due": due})
        else:
            improvements.append(text)
    return {
        "went_well": [texts.next() for _ in range(rng.randint(3, 5))],
        "went_poorly": [texts.next() for _ in range(rng.randint(3, 5))],
        "improvements": improvements,
        "stakeholders": [{"name": rng.choice(people), "role": "Team lead", "interest": texts.fresh()}],
        "takeaways": texts.fresh() + ".",
        "rating": rng.randint(1, 5),
        "roti": rng.randint(1, 5),
    }


def _people(rng: random.Random, vocabulary: list[str], count: int) -> list[str]:
    return [f"{rng.choice(vocabulary).capitalize()} {rng.choice(vocabulary).capitalize()}" for _ in range(count)]


def make_session(folder: Path, responses: int, seed: int) -> None:
    """A classic post-mortem with `responses` complete responses of about 12 entries each."""
    from postmortem import store
    from postmortem.questionsets import source_file
    from postmortem.session import QUESTIONS_FILE, SESSION_FILE, Response

    rng = random.Random(seed)
    vocabulary = _vocabulary(rng, 3000)
    texts = Texts(rng, vocabulary)
    people = _people(rng, vocabulary, 60)
    (folder / "responses").mkdir(parents=True)
    (folder / QUESTIONS_FILE).write_text(source_file("classic").read_text(encoding="utf-8"), encoding="utf-8")
    session = {"schema_version": 1, "project": PROJECT, "format": "classic", "date": DATE, "anonymous": False, "invited": []}
    (folder / SESSION_FILE).write_text(store.dumps(session), encoding="utf-8")
    updated = dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.timezone.utc)
    for number in range(responses):
        answers = _answers(rng, texts, people, number)
        response = Response(f"Participant {number:05d}", "Engineer", answers, complete=True, updated=updated)
        (folder / "responses" / f"participant-{number:05d}.toml").write_text(store.dumps(response.to_toml()), encoding="utf-8")


def make_followup(root: Path, folders: int, seed: int) -> None:
    """`folders` post-mortems, each with a merged record of a few responses (action items with
    owners, due dates and statuses), as years of post-mortems in a wiki repository would be."""
    from postmortem import merge, store
    from postmortem.answers import check_answers
    from postmortem.questionsets import load
    from postmortem.session import Response, Session

    rng = random.Random(seed)
    vocabulary = _vocabulary(rng, 1500)
    qset = load("classic")
    statuses = ["open", "open", "open", "in progress", "done", "dropped"]
    for index in range(folders):
        folder = root / f"{2020 + index // 200}" / f"retro-{index:04d}"
        (folder / "responses").mkdir(parents=True)
        date = dt.date(2020 + index // 200, 1, 1) + dt.timedelta(days=(index % 200) * 1.8)
        session = Session(folder, f"Project {index:04d}", "classic", date)
        texts = Texts(rng, vocabulary)
        people = _people(rng, vocabulary, 8)
        responses = [
            Response(name, "Engineer", check_answers(qset, _answers(rng, texts, people, n)), complete=True)
            for n, name in enumerate(rng.sample(people, rng.randint(3, 6)))
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
    """The data folders, generated once (a stamp file marks a finished generation)."""
    paths = {"10k": data / "session-10k", "1k": data / "session-1k", "followup": data / "followup"}
    stamp = data / f"generated-{SEED}"
    if stamp.exists():
        return paths
    for path in paths.values():
        shutil.rmtree(path, ignore_errors=True)
    started = time.perf_counter()
    print("Generating synthetic data ...", file=sys.stderr, flush=True)
    make_session(paths["10k"], 10_000, SEED)
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
        for case, times in zip(cases, runs):
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
    print("2. Merge (10,000 and 1,000 responses, about 12 entries each, a fifth near-duplicates)")

    def first_merge(folder: Path):  # a first merge each time: no record left from the run before
        return lambda: run_once([*CLI, "merge", str(folder)], before=lambda: (folder / "record.toml").unlink(missing_ok=True))

    (merge10k, memory), (again, again_memory), (parse, _), (merge1k, _) = side_by_side(
        [
            first_merge(paths["10k"]),
            lambda: run_once([*CLI, "merge", str(paths["10k"])]),  # over the record just made: a re-merge
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
