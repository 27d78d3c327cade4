"""The README's set-up commands are the ones CI runs."""

from pathlib import Path

ROOT = Path(__file__).parent.parent


def fenced_bash_blocks(text: str) -> list[str]:
    blocks, inside, current = [], False, []
    for line in text.splitlines():
        if line.strip().startswith("```"):
            if inside:
                blocks.append("\n".join(current).strip())
                current = []
            inside = not inside and line.strip() == "```bash"
            continue
        if inside:
            current.append(line)
    return blocks


def test_ci_runs_the_readme_test_command_verbatim():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = readme.split("## Snel starten", 1)[1].split("\n## ", 1)[0]
    install_and_demo, test_command = fenced_bash_blocks(quick_start)[:2]
    assert install_and_demo.endswith("klant-xl demo")
    assert "pytest" in test_command
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci.splitlines()
    assert "KLANT_XL_REQUIRE_SOFFICE=1" in ci
    assert "KLANT_XL_REQUIRE_SPARK=1" in ci and "openjdk-17-jre-headless" in ci
