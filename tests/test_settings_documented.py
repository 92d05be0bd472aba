"""Every setting appears in the README's configuration table (datasette's habit)."""

from pathlib import Path

from coach.config import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme_table():
    missing = [n for n in Settings.model_fields if f"| `COACH_{n.upper()}` |" not in README]
    assert not missing, f"settings missing from README's configuration table: {missing}"


def test_every_setting_has_a_description():
    assert all(f.description for f in Settings.model_fields.values())


def test_readme_has_the_two_commands():
    assert "make run" in README and "make test" in README
