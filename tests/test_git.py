"""Git as the team's shared folder: `start --commit`, and three clones pushing to one bare repository."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import read, write_answers

from postmortem import session as session_mod

from postmortem import response as response_mod

PROJECT = "Colorado office compliance rollout"


@pytest.fixture(autouse=True)
def git_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A git of our own: no system or user configuration, a fixed identity, `main` as the first branch."""
    config = tmp_path / "gitconfig"
    config.write_text("[init]\n\tdefaultBranch = main\n[pull]\n\trebase = true\n", encoding="utf-8")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Test Person")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "test@example.com")


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result.stdout


def committed_files(repo: Path, rev: str = "HEAD") -> list[str]:
    return git(repo, "show", "--name-only", "--format=", rev).split()


def message(repo: Path, rev: str = "HEAD") -> str:
    return git(repo, "log", "-1", "--format=%B", rev).strip()


def answers_for(tmp_path: Path, name: str, went_well: str, improvement: str) -> Path:
    folder = tmp_path / f"answers-of-{name}"
    folder.mkdir(exist_ok=True)
    return write_answers(folder, name, {"went_well": [went_well], "improvements": [improvement], "rating": 4}, role="Staff")


def new_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "--quiet")
    (repo / "README.md").write_text("Team notes\n", encoding="utf-8")
    git(repo, "add", "README.md")
    git(repo, "commit", "--quiet", "-m", "initial")
    return repo


def test_three_clones_push_one_after_another_and_the_facilitator_merges_everything(cli, tmp_path: Path) -> None:
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "--quiet", "--bare", str(origin))

    # The facilitator sets the post-mortem up and pushes it (docs/facilitator.md, "Sharing through git").
    facilitator = tmp_path / "facilitator"
    git(tmp_path, "clone", "--quiet", str(origin), str(facilitator))
    result = cli("start", facilitator / "retro", "--project", PROJECT, "--invite", "Linda", "--invite", "Kyle")
    assert result.exit_code == 0, result.stderr
    assert not (facilitator / "retro" / "responses").exists()
    (facilitator / ".gitignore").write_text("retro/.record.toml.lock\n", encoding="utf-8")
    git(facilitator, "add", ".")
    git(facilitator, "commit", "--quiet", "-m", "Set up the post-mortem")
    git(facilitator, "push", "--quiet", "origin", "main")

    # Three people clone it, all from the same commit, and answer before anybody pushes.
    people = {
        "Linda": ("The VP set expectations up front", "Daily check-in at 9:00 instead of drop-ins"),
        "Kyle": ("Staff stayed late to land it on time", "Ask corporate for an extra resource in busy season"),
        "Jessica": ("HR helped the visitor settle in", "Daily check-in at 9:00 instead of drop-ins"),
    }
    clones = {}
    for name, (went_well, improvement) in people.items():
        clone = clones[name] = tmp_path / f"clone-{name}"
        git(tmp_path, "clone", "--quiet", str(origin), str(clone))
        result = cli(
            "start", clone / "retro", "--name", name, "--commit",
            "--answers", answers_for(tmp_path, name, went_well, improvement),
        )
        assert result.exit_code == 0, result.stderr
        assert "Committed" in result.stderr
        assert result.stdout == ""
        slug = session_mod.slugify(name)
        assert committed_files(clone) == [f"retro/responses/{slug}.toml"]
        assert message(clone) == f"postmortem: answers from {name}"
        assert git(clone, "status", "--porcelain") == ""

    # They push one after another: each pulls with rebase first; nothing conflicts.
    for clone in clones.values():
        git(clone, "pull", "--rebase", "--quiet", "origin", "main")
        git(clone, "push", "--quiet", "origin", "main")

    git(facilitator, "pull", "--rebase", "--quiet", "origin", "main")
    log = git(facilitator, "log", "--format=%s").splitlines()
    assert log == [f"postmortem: answers from {n}" for n in reversed(list(people))] + ["Set up the post-mortem"]
    responses = sorted(p.name for p in (facilitator / "retro" / "responses").iterdir())
    assert responses == ["jessica.toml", "kyle.toml", "linda.toml"]

    result = cli("merge", facilitator / "retro")
    assert result.exit_code == 0, result.stderr
    record = read(facilitator / "retro" / "record.toml")
    assert record["participant_count"] == 3
    sections = {s["id"]: s for s in record["sections"]}
    went_well = {w for item in sections["went_well"]["items"] for w in item.get("wordings", [item["text"]])}
    assert went_well == {v[0] for v in people.values()}
    improvements = {w for item in sections["improvements"]["items"] for w in item.get("wordings", [item["text"]])}
    assert improvements == {v[1] for v in people.values()}
    check_in = next(i for i in sections["improvements"]["items"] if i["text"].startswith("Daily check-in"))
    assert sorted(check_in["raised_by"]) == ["Jessica", "Linda"]
    # The lock file stays out of git; nothing in the facilitator's clone is left uncommitted but the record.
    assert git(facilitator, "status", "--porcelain").split() == ["??", "retro/record.toml"]


def test_commits_only_the_response_file_whatever_else_is_staged(cli, tmp_path: Path) -> None:
    repo = new_repo(tmp_path)
    session_mod.create_session(repo / "retro", PROJECT, "classic")
    git(repo, "add", "retro")
    git(repo, "commit", "--quiet", "-m", "Set up")
    (repo / "staged.txt").write_text("half-done work\n", encoding="utf-8")
    git(repo, "add", "staged.txt")
    (repo / "README.md").write_text("Team notes, edited\n", encoding="utf-8")

    result = cli("start", repo / "retro", "--name", "Linda", "--commit",
                 "--answers", answers_for(tmp_path, "Linda", "Good", "Better"))
    assert result.exit_code == 0, result.stderr
    assert committed_files(repo) == ["retro/responses/linda.toml"]
    assert read(repo / "retro" / "responses" / "linda.toml")["name"] == "Linda"
    # What the person had staged or changed is still theirs, untouched and uncommitted.
    assert sorted(git(repo, "status", "--porcelain").splitlines()) == [" M README.md", "A  staged.txt"]

    # Answering again commits the new version of the same file, and only it.
    result = cli("start", repo / "retro", "--name", "Linda", "--commit",
                 "--answers", answers_for(tmp_path, "Linda", "Good, on reflection", "Better"))
    assert result.exit_code == 0, result.stderr
    assert committed_files(repo) == ["retro/responses/linda.toml"]
    assert "Good, on reflection" in git(repo, "show", "HEAD:retro/responses/linda.toml")
    assert len(git(repo, "log", "--format=%s").splitlines()) == 4


def test_the_first_participant_who_creates_the_post_mortem_commits_its_files_too(cli, tmp_path: Path) -> None:
    repo = new_repo(tmp_path)
    result = cli("start", repo / "retro", "--project", PROJECT, "--name", "Kyle", "--commit",
                 "--answers", answers_for(tmp_path, "Kyle", "Good", "Better"))
    assert result.exit_code == 0, result.stderr
    assert sorted(committed_files(repo)) == ["retro/postmortem.toml", "retro/questions.toml", "retro/responses/kyle.toml"]
    assert message(repo) == "postmortem: answers from Kyle"
    assert git(repo, "status", "--porcelain") == ""


def test_anonymous_session_commit_names_nobody_but_the_committer(cli, tmp_path: Path) -> None:
    repo = new_repo(tmp_path)
    result = cli("start", repo / "retro", "--project", PROJECT, "--anonymous", "--name", "Rosalind Okafor", "--commit",
                 "--answers", answers_for(tmp_path, "Rosalind Okafor", "Good", "Better"))
    assert result.exit_code == 0, result.stderr
    assert session_mod.load_session(repo / "retro").anonymous
    assert message(repo) == "postmortem: an anonymous response"
    (response,) = [f for f in committed_files(repo) if f.startswith("retro/responses/")]
    assert response_mod.is_token(Path(response).stem)
    commit = git(repo, "show", "--format=%B", "HEAD")  # message and every committed line
    assert "Rosalind" not in commit and "Okafor" not in commit
    # What anonymity cannot cover: git records who committed (docs/guarantees.md, "Anonymity").
    assert git(repo, "log", "-1", "--format=%an") == "Test Person\n"


def test_a_name_cannot_forge_lines_in_the_commit_message(cli, tmp_path: Path) -> None:
    repo = new_repo(tmp_path)
    session_mod.create_session(repo / "retro", PROJECT, "classic")
    name = "Ann\n\nSigned-off-by: The CEO\x1b[2J"
    result = cli("start", repo / "retro", "--name", name, "--commit", "--answers", answers_for(tmp_path, "x", "Good", "Better"))
    assert result.exit_code == 0, result.stderr
    assert message(repo) == "postmortem: answers from Ann Signed-off-by: The CEO[2J"
    assert "\x1b" not in git(repo, "log", "-1", "--format=%B")


def assert_refused_before_anything(result, folder: Path) -> None:
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert not (folder / "responses").exists()
    assert not (folder / "postmortem.toml").exists()


def test_not_a_work_tree_is_refused_before_the_answers_are_taken(cli, tmp_path: Path) -> None:
    folder = tmp_path / "plain" / "retro"
    result = cli("start", folder, "--project", PROJECT, "--name", "Ann", "--commit",
                 "--answers", answers_for(tmp_path, "Ann", "Good", "Better"))
    assert_refused_before_anything(result, folder)
    assert "git work tree" in result.stderr and str(folder) in result.stderr


def test_not_a_work_tree_is_refused_before_the_interview(tmp_path: Path) -> None:
    from test_interview import assert_no_hang, drive, lines

    folder = tmp_path / "retro"
    run = drive(["start", str(folder), "--project", "P", "--name", "Ann", "--role", "QA", "--commit"], lines("Good", ""))
    assert_no_hang(run)
    assert run.code == 2
    assert "git work tree" in run.result.stderr
    assert "What went well?" not in run.screen  # nobody answered for nothing
    assert_refused_before_anything(run.result, folder)


def test_git_missing_is_refused_before_anything(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = new_repo(tmp_path)
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    folder = repo / "retro"
    result = cli("start", folder, "--project", PROJECT, "--name", "Ann", "--commit",
                 "--answers", answers_for(tmp_path, "Ann", "Good", "Better"))
    assert_refused_before_anything(result, folder)
    assert "git is not installed" in result.stderr


def test_interactive_interview_commits_when_finished_and_not_when_stopped(tmp_path: Path) -> None:
    from test_interview import CTRL_C, ENTER, assert_no_hang, drive, lines

    repo = new_repo(tmp_path)
    session_mod.create_session(repo / "retro", PROJECT, "classic")
    git(repo, "add", "retro")
    git(repo, "commit", "--quiet", "-m", "Set up")
    args = ["start", str(repo / "retro"), "--name", "Ann", "--role", "QA", "--commit"]

    stopped = drive(args, lines("Good") + CTRL_C)
    assert_no_hang(stopped)
    assert stopped.code == 130
    assert git(repo, "log", "--format=%s").splitlines() == ["Set up", "initial"]  # a draft is not shared

    finished = drive(args, lines("") + lines("", "", "", "") + "4" + ENTER + "6" + ENTER)
    assert_no_hang(finished)
    assert finished.code == 0, finished.result.stderr
    assert message(repo) == "postmortem: answers from Ann"
    assert committed_files(repo) == ["retro/responses/ann.toml"]
    shared = git(repo, "show", "HEAD:retro/responses/ann.toml")
    assert 'status = "complete"' in shared and '"Good"' in shared


def test_a_failed_commit_keeps_the_answers_and_says_so(cli, tmp_path: Path) -> None:
    repo = new_repo(tmp_path)
    session_mod.create_session(repo / "retro", PROJECT, "classic")
    (repo / ".gitignore").write_text("responses/\n", encoding="utf-8")
    result = cli("start", repo / "retro", "--name", "Ann", "--commit", "--answers", answers_for(tmp_path, "Ann", "Good", "Better"))
    assert result.exit_code == 2
    assert "your answers are saved" in result.stderr and "ann.toml" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 2  # "Saved ..." then the one-line error
    assert read(repo / "retro" / "responses" / "ann.toml")["answers"]["went_well"] == ["Good"]


def test_answering_again_with_nothing_changed_commits_nothing(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795000000")  # the same `updated` both times: the file is the same
    repo = new_repo(tmp_path)
    session_mod.create_session(repo / "retro", PROJECT, "classic")
    answers = answers_for(tmp_path, "José Ñúñez", "Good", "Better")
    first = cli("start", repo / "retro", "--name", "José Ñúñez", "--commit", "--answers", answers)
    assert first.exit_code == 0, first.stderr
    assert message(repo) == "postmortem: answers from José Ñúñez"
    assert committed_files(repo) == ["retro/responses/jose-nunez.toml"]
    again = cli("start", repo / "retro", "--name", "José Ñúñez", "--commit", "--answers", answers)
    assert again.exit_code == 0, again.stderr
    assert "Nothing new to commit" in again.stderr
    assert len(git(repo, "log", "--format=%s").splitlines()) == 2
