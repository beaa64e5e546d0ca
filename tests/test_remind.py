"""`postmortem remind`: per person, what is overdue or due soon and which open post-mortems they owe
answers to; `--mail` writes .eml drafts, read back here with the standard library."""

from __future__ import annotations

import datetime as dt
import email
from email import policy
from pathlib import Path

from conftest import write_answers
from postmortem import escape
from postmortem.session import slugify

ESC = "\x1b]0;pwned\x07\x1b[2J\x9b31m"
TODAY = ["--today", "2026-12-10"]


def team(cli, root: Path) -> Path:
    """A merged post-mortem (Kyle: one overdue, one due soon, one later; Eve: one due soon) and an open
    one with a deadline where Ann has a draft and Bob has not started."""
    merged = root / "q3"
    improvements = [
        {"text": "=HYPERLINK(\"x\") overdue\nsecond line", "owner": "Kyle", "due": dt.date(2026, 12, 1)},
        {"text": "Due soon; check-in", "owner": "kyle", "due": dt.date(2026, 12, 14)},
        {"text": "Later", "owner": "Kyle", "due": dt.date(2027, 3, 1)},
        {"text": f"Eve's{ESC} action", "owner": f"Eve{ESC}\nBcc: boss@example.org", "due": dt.date(2026, 12, 12)},
    ]
    answers = write_answers(root, "Linda", {"improvements": improvements})
    assert cli("start", merged, "--project", f"Rollout{ESC}", "--date", "2026-11-20", "--answers", answers).exit_code == 0
    assert cli("merge", merged).exit_code == 0
    open_one = root / "q4"
    assert cli("start", open_one, "--project", "Billing", "--invite", "Ann", "--invite", "Bob", "--deadline", "2026-12-20").exit_code == 0
    draft = write_answers(root, "Ann", {"went_well": ["Tests"]})
    assert cli("start", open_one, "--answers", draft).exit_code == 0
    response = open_one / "responses" / "ann.toml"
    response.write_text(response.read_text(encoding="utf-8").replace('status = "complete"', 'status = "draft"'), encoding="utf-8")
    return root


def test_per_person_overdue_due_soon_and_unanswered(cli, tmp_path: Path) -> None:
    root = team(cli, tmp_path)
    result = cli("remind", root, *TODAY)
    assert result.exit_code == 0, result.output
    blocks = {block.splitlines()[0]: block for block in result.stdout.strip().split("\n\n")}

    assert set(blocks) == {"Ann", "Bob", "Kyle", escape.plain(f"Eve{ESC}\nBcc: boss@example.org")}
    kyle = blocks["Kyle"]
    assert kyle.index("Overdue:") < kyle.index("overdue second line") < kyle.index("Due soon:") < kyle.index("Due soon; check-in")
    assert "Later" not in kyle
    assert "answers due by 2026-12-20; your draft is not finished" in blocks["Ann"]
    assert "Billing (answers due by 2026-12-20)" in blocks["Bob"]
    assert "\x1b" not in result.stdout and "\x9b" not in result.stdout


def test_a_post_mortem_past_its_deadline_is_not_owed(cli, tmp_path: Path) -> None:
    root = team(cli, tmp_path)
    result = cli("remind", root, "--today", "2026-12-21")
    assert "Bob" not in result.stdout and "Ann" not in result.stdout and "Kyle" in result.stdout


def test_mail_writes_one_draft_per_person_and_sends_nothing(cli, tmp_path: Path) -> None:
    root = team(cli, tmp_path)
    config = tmp_path / "config.toml"
    config.write_text('[people]\nKyle = { github = "kyle-h", email = "kyle@example.org" }\nBob = "bob"\n', encoding="utf-8")
    result = cli("remind", root, *TODAY, "--mail", tmp_path / "drafts", "--config", config)
    assert result.exit_code == 0, result.output
    assert "nothing was sent" in result.stderr

    drafts = {p.name: email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in (tmp_path / "drafts").iterdir()}

    eve_file = slugify(f"Eve{ESC}\nBcc: boss@example.org") + ".eml"
    assert set(drafts) == {"ann.eml", "bob.eml", "kyle.eml", eve_file}
    kyle = drafts["kyle.eml"]
    assert kyle["To"] == "kyle@example.org" and kyle["X-Unsent"] == "1"
    assert kyle["Subject"] == "Post-mortem follow-up: 1 overdue, 1 due soon"
    body = kyle.get_content()
    assert escape.plain("=HYPERLINK(\"x\") overdue\nsecond line") in body and "Due soon; check-in" in body
    assert drafts["bob.eml"]["To"] is None  # a login is not an address
    eve = drafts[eve_file]
    assert eve["Bcc"] is None and eve["To"] is None
    assert all("\x1b" not in d.as_string() and "\x9b" not in d.get_content() for d in drafts.values())


def test_an_address_with_a_control_character_is_refused(cli, tmp_path: Path) -> None:
    root = team(cli, tmp_path)
    config = tmp_path / "config.toml"
    config.write_text('[people]\nKyle = { email = "kyle@example.org\\r\\nBcc:x" }\n', encoding="utf-8")
    result = cli("remind", root, *TODAY, "--mail", tmp_path / "drafts", "--config", config)
    assert result.exit_code == 2 and "people.Kyle" in result.stderr
    assert not (tmp_path / "drafts").exists()


def shown_command_runs_as(command: str, cwd: Path) -> list[str]:
    """The arguments bash gives `postmortem` when the command shown is pasted into it (a stand-in
    prints them; nothing runs)."""
    import subprocess

    assert command.startswith("postmortem ")
    script = "postmortem() { printf '%s\\0' \"$@\"; }\n" + command + "\n"
    done = subprocess.run(["bash", "-c", script], cwd=cwd, capture_output=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout.decode("utf-8").split("\0")[:-1]


def test_the_command_to_answer_is_quoted_for_the_shell(cli, tmp_path: Path) -> None:
    folder = tmp_path / "retros" / "Q3 $(touch PWNED) it's"
    assert cli("start", folder, "--project", "Billing", "--invite", "Bob", "--deadline", "2026-12-20").exit_code == 0
    result = cli("remind", tmp_path / "retros", *TODAY, "--mail", tmp_path / "drafts")
    assert result.exit_code == 0, result.output
    body = email.message_from_bytes((tmp_path / "drafts" / "bob.eml").read_bytes(), policy=policy.default).get_content()
    for text in (result.stdout, body):
        command = text[text.index("postmortem start"):].splitlines()[0]
        assert shown_command_runs_as(command, tmp_path) == ["start", str(folder)]
    assert not list(tmp_path.rglob("PWNED"))
