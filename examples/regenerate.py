"""Regenerate every example from its answers with the postmortem CLI.

    python examples/regenerate.py          rewrite the examples in place
    python examples/regenerate.py --check  exit 1 when a committed example differs

Each example folder holds example.toml (project, format, date, clock; optionally the `invited`
people, a form's `export` to `postmortem import`, and each person's `votes`) and answers/*.toml; the tool
writes postmortem.toml, questions.toml, responses/, record.toml, report.md and answers.md (each person's
answers, the page beside the report) from them.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent
GENERATED = ("postmortem.toml", "questions.toml", "responses", "record.toml", "report.md", "answers.md")


def examples() -> list[Path]:
    return sorted(p.parent for p in EXAMPLES.glob("*/example.toml"))


def build(example: Path, out: Path) -> None:
    """Write the generated files of example into the empty folder out."""
    settings = tomllib.loads((example / "example.toml").read_text(encoding="utf-8"))
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(int(settings["clock"].timestamp()))}

    def postmortem(*args: str) -> None:
        subprocess.run([sys.executable, "-m", "postmortem", *args], check=True, env=env, cwd=out, stderr=subprocess.DEVNULL)

    created = ("--project", settings["project"], "--format", settings["format"], "--date", str(settings["date"]))
    if "invited" in settings:  # the facilitator's set-up first
        postmortem("start", ".", *created, *(a for name in settings["invited"] for a in ("--invite", name)))
    if "export" in settings:  # answers collected with a form
        postmortem("import", ".", str(example / settings["export"]))
    for answers in sorted((example / "answers").glob("*.toml")):
        postmortem("start", ".", *created, "--answers", str(answers))
    postmortem("merge", ".")
    if settings.get("votes"):  # each person's dots, then the merge that counts them
        for name, votes in settings["votes"].items():
            postmortem("vote", ".", "--name", name, "--votes", votes)
        postmortem("merge", ".")
    postmortem("render", ".", "-o", "report.md", "--answers-page", "answers.md")


def differences(example: Path, built: Path) -> list[str]:
    """Generated files of example that differ from (or are missing beside) those in built."""
    changed = []
    for name in GENERATED:
        ours, theirs = built / name, example / name
        if ours.is_dir():
            compare = filecmp.dircmp(ours, theirs) if theirs.is_dir() else None
            if compare is None or compare.left_only or compare.right_only or compare.diff_files:
                changed.append(name)
            elif any(not filecmp.cmp(ours / f, theirs / f, shallow=False) for f in compare.common_files):
                changed.append(name)
        elif not theirs.is_file() or ours.read_bytes() != theirs.read_bytes():
            changed.append(name)
    return changed


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for example in examples():
        with tempfile.TemporaryDirectory() as tmp:
            built = Path(tmp)
            build(example, built)
            changed = differences(example, built)
            if changed and check:
                stale.append(f"{example.name}: {', '.join(changed)}")
            elif changed:
                for name in GENERATED:
                    target = example / name
                    shutil.rmtree(target) if target.is_dir() else target.unlink(missing_ok=True)
                    shutil.move(str(built / name), target)
                print(f"regenerated {example.name}")
    for line in stale:
        print(f"out of date: {line} (run python examples/regenerate.py)")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
