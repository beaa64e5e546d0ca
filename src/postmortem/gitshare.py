"""Git as the team's shared folder: `start --commit` commits the participant's own file, and only it.

Git runs as a subprocess (`git -C FOLDER ...`). Everything is checked before the interview
starts (git installed, the folder inside a work tree), so nobody answers for nothing; a commit
that fails afterwards leaves the saved answers in place and says how to commit them by hand.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from postmortem.errors import PostmortemError

if TYPE_CHECKING:
    from postmortem.session import Session

ANONYMOUS_MESSAGE = "postmortem: an anonymous response"


def _existing(folder: Path) -> Path:
    """folder, or its nearest existing parent when `start` is about to create it."""
    for candidate in (folder, *folder.absolute().parents):
        if candidate.is_dir():
            return candidate
    return Path(".")


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    try:
        return subprocess.run(
            ["git", "-C", str(cwd), *args], check=False,
            capture_output=True, text=True, encoding="utf-8", errors="replace", env=env, stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise PostmortemError("--commit needs git, and git is not installed (or not on PATH)") from None
    except OSError as err:
        raise PostmortemError(f"--commit: cannot run git: {err.strerror or err}") from None


def _first_line(result: subprocess.CompletedProcess[str]) -> str:
    from postmortem.escape import plain

    for text in (result.stderr, result.stdout):
        for line in text.splitlines():
            if line.strip() and not line.startswith("hint:"):
                return plain(line.removeprefix("fatal: ").removeprefix("error: "))
    return f"git exited with {result.returncode}"


def check_work_tree(folder: Path) -> None:
    """Refuse --commit up front when git is missing or folder is not inside a git work tree."""
    where = _existing(folder)
    result = _git(where, "rev-parse", "--is-inside-work-tree")
    if result.returncode != 0 or result.stdout.strip() != "true":
        raise PostmortemError(
            "--commit needs the post-mortem folder inside a git work tree (a clone of the team's repository); "
            "clone it, or leave out --commit",
            path=folder,
        )


def commit_message(name: str, anonymous: bool) -> str:
    """The commit's message: the participant's name on one plain line, or no name at all when anonymous."""
    from postmortem.escape import plain

    if anonymous:
        return ANONYMOUS_MESSAGE
    return f"postmortem: answers from {plain(name) or 'a participant'}"


def commit_files(folder: Path, files: list[Path], message: str) -> str:
    """Commit exactly `files` (inside folder), whatever else is staged or changed; a line saying what was done."""
    relative = [os.path.relpath(f, folder) for f in files]
    added = _git(folder, "add", "--", *relative)
    if added.returncode != 0:
        raise _failed(files[0], _first_line(added))
    changed = _git(folder, "diff", "--cached", "--quiet", "--", *relative)
    if changed.returncode == 0:
        return f"Nothing new to commit for {files[0]}."
    committed = _git(folder, "commit", "--quiet", "-m", message, "--only", "--", *relative)
    if committed.returncode != 0:
        raise _failed(files[0], _first_line(committed))
    return f"Committed {files[0]} ({message!r}); `git pull --rebase && git push` to share it."


def commit_response(session: Session, path: Path, name: str, *, created: bool = False) -> str:
    """Commit this participant's response file; also the session's own files when this run created them."""
    from postmortem import session as session_mod

    files = [path]
    if created:  # the first participant set the post-mortem up: the others need its files to answer
        files += [p for p in (session.path, session.folder / session_mod.QUESTIONS_FILE) if p.exists()]
    return commit_files(session.folder, files, commit_message(name, session.anonymous))


def _failed(path: Path, reason: str) -> PostmortemError:
    return PostmortemError(
        f"your answers are saved, but git could not commit them: {reason}; commit {path.name} by hand", path=path
    )
