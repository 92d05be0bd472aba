"""The documentation (README.md, docs/, mkdocs.yml) is tested like code.

- The site builds with `mkdocs build --strict`, offline: a broken link or anchor, a missing
  page or a page left out of the navigation fails, and nothing is fetched from a font service.
- The settings page is what docs/settings_page.py writes from coach.config.Settings.
- Every `coach` command shown in a fenced code block of the README or the docs exists, with
  every option shown, in the parser `coach` itself uses.
- The README stays a front door (at most 150 lines, a screenshot, links that resolve), every
  page says what it is for in its first sentence, and every module of coach/ has a row in the
  architecture page's module table.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
PAGES = sorted(DOCS.rglob("*.md"))
FENCE = re.compile(r"^\s*(```|~~~)")


def test_the_site_builds_strict_and_offline(tmp_path):
    pytest.importorskip("mkdocs", reason="mkdocs is not installed (pip install -e '.[dev]')")
    pytest.importorskip("material", reason="mkdocs-material is not installed")
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f",
                           str(ROOT / "mkdocs.yml"), "-d", str(site)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    for page in PAGES:
        rel = page.relative_to(DOCS).with_suffix("")
        built = site / (rel.parent if rel.name == "index" else rel) / "index.html"
        assert built.exists(), f"{page.relative_to(ROOT)} was not built"
    settings = (site / "administrators" / "settings" / "index.html").read_text(encoding="utf-8")
    assert "COACH_HOME" in settings
    for html in site.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text, html


def _settings_page_module():
    spec = importlib.util.spec_from_file_location("settings_page", DOCS / "settings_page.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_settings_page_is_written_from_settings():
    page = _settings_page_module()
    assert page.PAGE.read_text(encoding="utf-8") == page.render(), (
        "docs/administrators/settings.md is out of date: run `make docs-settings` "
        "(python docs/settings_page.py) and commit it")


# ---------------------------------------------------------------- commands in code blocks

SHELL = ("", "bash", "sh", "shell", "console")  # code blocks whose lines are commands


def code_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, logical line) of every shell code block (```bash and the like) in a
    Markdown file; a line ending in a backslash is joined with the next."""
    found: list[tuple[int, str]] = []
    inside, shell, pending, start = False, False, "", 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if FENCE.match(line):
            inside, pending = not inside, ""
            shell = line.strip().lstrip("`~").strip().lower() in SHELL
            continue
        if not inside or not shell:
            continue
        if not pending:
            start = number
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        found.append((start, pending + line))
        pending = ""
    return found


ENV_ASSIGNMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=")


def coach_command(line: str) -> list[str] | None:
    """The words of a shell line that runs `coach` (after `$ `, environment assignments and
    a `.venv/bin/` prefix), or None for any other line."""
    text = line.strip().removeprefix("$ ")
    if not re.match(r"^([A-Z_][A-Z0-9_]*=\S*\s+)*(\.venv/bin/)?coach\s", text):
        return None
    words = shlex.split(text, comments=True)
    while words and ENV_ASSIGNMENT.match(words[0]):
        words.pop(0)
    return ["coach", *words[1:]]


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def options_shown(words: list[str]) -> list[str]:
    """The options a usage line shows: `[--a|--b]`, `--format md|docx`, `--set=X` give
    --a, --b, --format, --set."""
    shown = []
    for word in words:
        for piece in word.strip("[]()").split("|"):
            piece = piece.strip("[]()")
            if re.match(r"^--?[A-Za-z]", piece):
                shown.append(piece.split("=", 1)[0])
    return shown


def check_command(words: list[str]) -> str | None:
    """Why ``coach WORDS...`` would not parse (an unknown subcommand or option), else None."""
    from coach.cli import _parser

    parser, _ = _parser()
    path, rest = ["coach"], words[1:]
    choices = subcommands(parser)
    if not rest or rest[0] not in choices:
        return f"`coach {rest[0] if rest else ''}` is not a command (have: {sorted(choices)})"
    while rest and rest[0] in choices:
        path.append(rest.pop(0))
        parser = choices[path[-1]]
        choices = subcommands(parser)
    # a command word kept as a positional with choices (`coach users add`, `coach db upgrade`)
    positionals = [a for a in parser._actions if not a.option_strings and a.choices]
    if positionals and rest and re.fullmatch(r"[a-z][a-z-]*", rest[0]) \
            and rest[0] not in positionals[0].choices:
        have = list(positionals[0].choices)
        return f"`{' '.join(path)} {rest[0]}` is not a command (have: {have})"
    known = parser._option_string_actions
    unknown = [o for o in options_shown(rest) if o not in known]
    if unknown:
        command = " ".join(path)
        return f"`{command}` has no option {', '.join(unknown)} (see `{command} --help`)"
    return None


def test_the_checker_finds_a_wrong_command_and_a_wrong_option():
    assert check_command(["coach", "journy", "status"])
    assert check_command(["coach", "users", "delete", "sam"])
    assert check_command(["coach", "users", "add", "sam", "--file", "users.txt"]) is None
    assert check_command(["coach", "journey", "status", "--colour"])
    assert "--colour" in check_command(["coach", "eval", "review", "list", "[--colour]"])
    assert check_command(["coach", "journey", "export", "[--format", "md|docx|both]",
                          "[--out", "DIR]"]) is None
    assert coach_command("COACH_LLM=ollama .venv/bin/coach ask 'x'  # note") == [
        "coach", "ask", "x"]
    assert coach_command("pip install coach") is None


def test_every_coach_command_in_the_docs_exists_with_its_options():
    problems, seen = [], 0
    for path in [README, *PAGES]:
        for number, line in code_lines(path):
            words = coach_command(line)
            if words is None:
                continue
            seen += 1
            why = check_command(words)
            if why:
                problems.append(f"{path.relative_to(ROOT)}:{number}: {why}")
    assert seen > 50, f"only {seen} coach commands found in the docs' code blocks"
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------- the README and the pages

def test_the_readme_is_a_front_door():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 150
    for command in ("make run", "make test"):
        assert command in text
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert images, "the README shows a screenshot"
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text)
    missing = [link for link in links if not link.startswith("http")
               and not (ROOT / link).exists()]
    assert not missing, missing
    assert "## Architecture" in text and "docs/contributors/architecture.md" in text
    assert "## Licence and attribution" in text


def first_paragraph(path: Path) -> str:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# "), f"{path.relative_to(ROOT)} opens with its title"
    paragraph: list[str] = []
    for line in lines[1:]:
        if line.strip():
            paragraph.append(line.strip())
        elif paragraph:
            break
    return " ".join(paragraph)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_every_page_says_what_it_is_for_first(page):
    """Under its title, each page's first sentence says what the page is for."""
    assert re.match(r"^This (page|guide|site) ", first_paragraph(page)), first_paragraph(page)


def test_every_module_has_a_row_in_the_architecture_pages_table():
    text = (DOCS / "contributors" / "architecture.md").read_text(encoding="utf-8")
    table = text[text.index("| Module | Responsibility |"):]
    named = set()
    for row in table.splitlines():
        if row.startswith("| `"):
            named.update(re.findall(r"`([^`]+)`", row.split("|")[1]))
    package = ROOT / "coach"
    missing = []
    for entry in sorted(package.iterdir()):
        if entry.name.startswith(("_", ".")) or entry.suffix not in ("", ".py"):
            continue
        name = f"coach/{entry.name}" + ("/" if entry.is_dir() else "")
        if not any(n == name or n.startswith(name) for n in named):
            missing.append(name)
    assert not missing, f"modules with no row in the architecture page's table: {missing}"
