"""Every setting appears on the documentation's settings page (datasette's habit), which
docs/settings_page.py writes from Settings (tests/test_docs.py fails when it is stale)."""

from pathlib import Path

from coach.config import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SETTINGS_PAGE = (ROOT / "docs" / "administrators" / "settings.md").read_text(encoding="utf-8")


def test_every_setting_is_on_the_settings_page():
    missing = [n for n in Settings.model_fields if f"| `COACH_{n.upper()}` |" not in SETTINGS_PAGE]
    assert not missing, f"settings missing from docs/administrators/settings.md: {missing}"


def test_every_setting_has_a_description():
    assert all(f.description for f in Settings.model_fields.values())


def test_readme_has_the_two_commands():
    assert "make run" in README and "make test" in README
