"""The built wheel carries the templates and works in a fresh venv, far from the checkout; the sdist
carries what its own tests read."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tarfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

import postmortem
import postmortem.resources

pytestmark = pytest.mark.slow  # builds an sdist and a wheel, and installs the wheel

REPO = Path(__file__).resolve().parents[1]
ITEM = "Wheel-installed answers reach the report"


def _env() -> dict[str, str]:
    drop = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "PYTHONSAFEPATH")
    return {k: v for k, v in os.environ.items() if k not in drop}


def _run(cmd: list[str | Path], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout
    )
    assert proc.returncode == 0, f"{cmd} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc


@dataclass
class Installed:
    wheel: Path
    sdist: Path
    python: Path
    bin: Path
    workdir: Path  # an unrelated cwd, outside the checkout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    root = tmp_path_factory.mktemp("wheel")
    started = time.monotonic()
    dist = root / "dist"
    # Without isolation when the backend is already here (fast, offline); otherwise let build fetch it.
    isolation = ["--no-isolation"] if importlib.util.find_spec("hatchling") else []
    _run([sys.executable, "-m", "build", "--sdist", "--wheel", *isolation, "--outdir", dist, REPO], cwd=root)
    wheels, sdists = sorted(dist.glob("postmortem-*.whl")), sorted(dist.glob("postmortem-*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, (wheels, sdists)
    built = time.monotonic()

    venv = root / "venv"
    _run([sys.executable, "-m", "venv", venv], cwd=root)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / ("python.exe" if os.name == "nt" else "python")
    _run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheels[0]], cwd=root)
    done = time.monotonic()
    print(f"\nsdist + wheel build {built - started:.1f}s, venv + install {done - built:.1f}s")

    workdir = root / "elsewhere"
    workdir.mkdir()
    return Installed(wheel=wheels[0], sdist=sdists[0], python=python, bin=bin_dir, workdir=workdir)


def test_wheel_contains_templates(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    assert "postmortem/templates/formats/classic.toml" in names
    assert "postmortem/templates/reports/base.md.j2" in names
    # Every template in the checkout ships, under the package.
    for path in (REPO / "templates").rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            assert f"postmortem/templates/{path.relative_to(REPO / 'templates').as_posix()}" in names
    assert not any(n.startswith("templates/") for n in names), "templates must live inside the package"


def test_sdist_carries_what_its_tests_read(installed: Installed) -> None:
    """The sdist's tests build the docs site (mkdocs.yml, docs/), follow the README's links (LICENSE,
    benchmarks/README.md) and find the README's test command in CI's script (.ci/run)."""
    with tarfile.open(installed.sdist) as sdist:
        names = {name.partition("/")[2] for name in sdist.getnames()}  # inside its postmortem-X.Y.Z/ folder
    docs = [p.relative_to(REPO).as_posix() for p in (REPO / "docs").rglob("*") if p.is_file()]
    assert len(docs) >= 10
    for path in ["mkdocs.yml", "LICENSE", "README.md", "benchmarks/README.md", ".ci/run", *docs]:
        assert path in names, f"{path} missing from {installed.sdist.name}"


def test_installed_cli_start_merge_render(installed: Installed) -> None:
    work = installed.workdir
    answers = work / "answers.toml"
    answers.write_text(
        'name = "Linda"\n'
        'role = "Quality & compliance associate"\n'
        "[answers]\n"
        f'went_well = ["{ITEM}"]\n'
        'went_poorly = ["Unannounced drop-ins several times a day"]\n'
        "improvements = [\n"
        '  { text = "Daily 10-minute check-in at 9:00", owner = "Kyle", due = 2026-12-15 },\n'
        "]\n"
        'stakeholders = [{ name = "Jessica", role = "VP, regional office", interest = "office stays compliant" }]\n'
        "rating = 4\n",
        encoding="utf-8",
    )
    exe = installed.bin / ("postmortem.exe" if os.name == "nt" else "postmortem")
    assert exe.is_file(), "the wheel did not install the postmortem console script"
    folder = work / "retro"
    _run([exe, "start", folder, "--project", "Colorado office rollout", "--answers", answers], cwd=work)
    assert (folder / "responses" / "linda.toml").is_file()
    _run([exe, "merge", folder], cwd=work)
    assert (folder / "record.toml").is_file()
    report = _run([exe, "render", folder], cwd=work).stdout
    assert "Colorado office rollout" in report
    assert "## What went well" in report
    assert ITEM in report

    version = _run([installed.python, "-m", "postmortem", "--version"], cwd=work).stdout
    assert version.strip() == f"postmortem {postmortem.__version__}"


def test_installed_templates_come_from_site_packages(installed: Installed) -> None:
    code = (
        "import sysconfig, postmortem.resources as r\n"
        "print(r.templates_dir().resolve())\n"
        "print(__import__('pathlib').Path(sysconfig.get_paths()['purelib']).resolve())\n"
    )
    out = _run([installed.python, "-c", code], cwd=installed.workdir).stdout.splitlines()
    templates, purelib = Path(out[0]), Path(out[1])
    assert templates == purelib / "postmortem" / "templates"
    assert not templates.is_relative_to(REPO.resolve())
    assert (templates / "formats" / "classic.toml").is_file()
    assert (templates / "reports" / "base.md.j2").is_file()


def test_running_install_finds_templates() -> None:
    """The running interpreter finds the templates; from a checkout (editable), the live templates/."""
    templates = postmortem.resources.templates_dir()
    assert (templates / "formats" / "classic.toml").is_file()
    assert (templates / "reports" / "base.md.j2").is_file()
    package = Path(postmortem.__file__).resolve().parent
    if package.parent.name == "src":  # a checkout (editable install): its top-level templates/
        assert templates.resolve() == package.parents[1] / "templates"
    else:  # an installed wheel
        assert templates.resolve() == package / "templates"


def test_installed_custom_set_and_template_that_overrides_one_block(installed: Installed) -> None:
    work = installed.workdir
    own_set = work / "sets" / "wins.toml"
    own_set.parent.mkdir()
    own_set.write_text(
        'title = "Wins only"\n[[questions]]\nid = "wins"\nkind = "items"\nheading = "Wins"\n'
        'prompt = "What went right?"\nhelp = "One per entry, e.g. \\"we shipped a day early\\""\n',
        encoding="utf-8",
    )
    template = work / "mine.md.j2"
    template.write_text('{% extends "base.md.j2" %}\n{% block framing %}\nOur framing for {{ project }}.\n{% endblock %}\n',
                        encoding="utf-8")
    answers = work / "wins-answers.toml"
    answers.write_text('name = "Ann"\n[answers]\nwins = ["Shipped a day early"]\n', encoding="utf-8")
    exe = installed.bin / "postmortem"
    folder = work / "wins-retro"
    _run([exe, "start", folder, "--project", "Wins", "--format", own_set, "--answers", answers], cwd=work)
    _run([exe, "merge", folder], cwd=work)
    report = _run([exe, "render", folder, "--template", template], cwd=work).stdout
    assert "Our framing for Wins." in report
    assert "## Wins\n\n- Shipped a day early (Ann)" in report
    assert "This review is blameless" not in report
