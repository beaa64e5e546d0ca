from conftest import REPO


def setup_commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("```sh\n", 1)[1].split("```", 1)[0]
    return block.strip().splitlines()


def test_readme_opens_with_two_setup_commands_and_ci_runs_the_second() -> None:
    install_and_render, install_and_test = setup_commands()
    assert "postmortem render examples/colorado-office" in install_and_render
    assert "pytest" in install_and_test
    assert install_and_test in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
