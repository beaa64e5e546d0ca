import re

from conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def setup_commands() -> list[str]:
    block = README.split("```sh\n", 1)[1].split("```", 1)[0]
    return block.strip().splitlines()


def test_readme_opens_with_two_setup_commands_and_ci_runs_the_second() -> None:
    install_and_render, install_and_test = setup_commands()
    assert "postmortem render examples/colorado-office" in install_and_render
    assert "pytest" in install_and_test
    assert install_and_test in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()


def test_readme_is_a_front_page_that_links_every_page_of_the_guide() -> None:
    """The guide lives in docs/ (mkdocs.yml); the README says what it is and leads there."""
    assert len(README.splitlines()) < 80
    pages = re.findall(r"^\s+- [^:]+: (\S+\.md)$", (REPO / "mkdocs.yml").read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert len(pages) >= 10
    for page in pages:
        assert f"](docs/{page}" in README, page
    assert "](benchmarks/README.md)" in README and "](LICENSE)" in README
