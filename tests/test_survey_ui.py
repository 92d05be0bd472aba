"""The team readiness survey in the Coach tab of the real app (signed in, on 127.0.0.1), driven
through gradio_client: a lead opens a survey, three colleagues answer (one anonymously, one
twice), a colleague is refused the results, the lead sees them and adopts them, and the
exported action plan shows them.

Hand-computed (from the respondents of survey_helpers.py, rows R1, R4 and R6):
LG 1, 2, 3: mean 2, SD 1 (variance (1 + 0 + 1) / 2), rwg 1 - 1/1.25 = 0.2, rwg(j) 5·0.2 /
(5·0.2 + 0.8) = 0.556. IR per person 0.8, 1.4, 1.4: mean 1.2, SD √0.12 = 0.346; item variances
0,0,0,3,0 (multi-year-funding 0,3,3), mean 0.6, rwg(j) 5·0.52 / (5·0.52 + 0.48) = 0.844.
SW 0, 0, 3: mean 1, SD √3 = 1.732, rwg 0. CE all 2. Overall 0.95, 1.35, 2.35: mean 1.55,
SD √0.52 = 0.721. Roles: one nurse, two doctors: none shown. Adopted: LG 2, IR 1 1 1 2 1,
SW 1, CE 2: overall 31/20 = 1.55.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import settings_under
from gradio_client import Client
from survey_helpers import SIX, J
from ui_helpers import download, download_hrefs, downloaded, free_port, running_app, write_kb

from coach.access import auth
from coach.app import build_coach

pytestmark = pytest.mark.slow

JOURNEY = Path(__file__).resolve().parents[1] / "knowledge" / "journey.yaml"
PASSWORD = "a-long-password"
PEOPLE = ("lead", "alice", "bob", "carol")


def value(output):
    """A component update arrives as a dict; the value is inside."""
    return output["value"] if isinstance(output, dict) and "__type__" in output else output


def scores(r):
    return [r.scores[i.id] for i in J.assessment.items]


@pytest.fixture(scope="module")
def url(tmp_path_factory, embedder):
    root = tmp_path_factory.mktemp("survey-ui")
    write_kb(root / "kb")
    shutil.copyfile(JOURNEY, root / "kb" / "journey.yaml")
    users = root / "users"
    for name in PEOPLE:
        auth.add_user(users, name, PASSWORD)
    settings = settings_under(root, port=free_port(), auth_file=users)
    coach = build_coach(settings, embedder=embedder)
    coach.ingest()
    with running_app(coach, settings) as address:
        yield address


def test_open_answer_results_adopt_and_export_through_the_server(url):
    c = {name: Client(url, auth=(name, PASSWORD), verbose=False) for name in PEOPLE}
    notice, code_md, mine = c["lead"].predict("Ward 7", api_name="/survey_open")
    code = value(mine)
    assert f"Survey {code} is open" in notice and f"`{code}`" in code_md and len(code) == 8

    def answer(who, r, anonymous=False, role=None):
        (out,) = c[who].predict(code.lower(), role or r.role, r.level, anonymous, *scores(r),
                                api_name="/survey_respond")
        return out

    assert "are saved." in answer("alice", SIX[0])
    assert "without your name" in answer("bob", SIX[3], anonymous=True)
    answer("carol", SIX[0], role="Porter")
    assert "replacing the answers you gave before" in answer("carol", SIX[5])

    refused, *_ = c["alice"].predict(code, api_name="/survey_results")
    assert f"Survey {code} is not one of yours" in refused and "error" in refused

    notice, chart, text, files = c["lead"].predict(code, api_name="/survey_results")
    assert "3 answered" in notice
    assert "3 respondents; by role: Doctor 2, Nurse 1" in text
    assert "1 answered anonymously" in text
    for row in ("| Leadership and governance | 3 | 2.00 | 1.00 | 1–3 | 0.56 (low) |",
                "| Infrastructure and resources | 3 | 1.20 | 0.35 | 0.8–1.4 | 0.84 |",
                "| Skills and workforce | 3 | 1.00 | 1.73 | 0–3 | 0.00 (low) |",
                "| Culture and environment | 3 | 2.00 | 0.00 | 2–2 | 1.00 |",
                "| Overall | 3 | 1.55 | 0.72 | 0.95–2.35 | - |"):
        assert row in text
    assert "No roles are compared" in text and "Porter" not in text
    assert Path(value(chart)).read_bytes().startswith(b"\x89PNG")
    assert chart["alt_text"].startswith("Team readiness by enabler, 3 respondents")
    assert "Infrastructure and resources: mean 1.20, SD 0.35, range 0.8–1.4." in chart["alt_text"]
    paths = {Path(n).suffix: b for n, b in downloaded(url, files, c["lead"]).items()}
    assert sorted(paths) == [".csv", ".json", ".png"] and paths[".png"].startswith(b"\x89PNG")
    for href in download_hrefs(files):  # the lead's own files: not another person's
        assert download(url, href, c["alice"]).status_code == 403
    data = json.loads(paths[".json"])
    assert (data["respondents"], data["anonymous"], data["shown"]) == (3, 1, True)
    ir = next(e for e in data["enablers"] if e["id"] == "infrastructure-resources")
    assert (ir["mean"], ir["sd"], ir["agreement"]) == (1.2, 0.3464, 0.8442)
    assert not any(name in json.dumps(data) for name in ("alice", "bob", "carol"))
    assert paths[".csv"].decode().splitlines()[1] == (
        "overall,overall,All items,all,3,1.55,0.7211,0.95,2.35,")

    refused, *_ = c["bob"].predict(code, api_name="/survey_adopt")
    assert "not one of yours" in refused
    notice, result, _ = c["lead"].predict(code, api_name="/survey_adopt")
    assert "is now your readiness assessment" in notice
    assert f"overall 1.55 of 3, Developing (from team survey {code}, 3 respondents)" in result
    assert "closed on" in answer("alice", SIX[0])   # adopting closed it

    _, exported = c["lead"].predict(api_name="/coach_export")
    md = next(b.decode() for n, b in downloaded(url, exported, c["lead"]).items()
              if n.endswith(".md"))
    assert "## Team readiness survey" in md and f"Survey {code}" in md
    assert "| Infrastructure and resources | 3 | 1.20 | 0.35 | 0.8–1.4 | 0.84 |" in md
    (listed,) = [c["lead"].predict(api_name="/survey_list")]
    assert "3 answered, closed" in json.dumps(listed)


def test_bad_input_and_sign_in_off_give_messages(url):
    lead = Client(url, auth=("lead", PASSWORD), verbose=False)
    (out,) = lead.predict("nonsense", "Nurse", "Front line", False, *scores(SIX[0]),
                          api_name="/survey_respond")
    assert "nonsense&#x27; is not a survey code" in out
    _, _, mine = lead.predict("", api_name="/survey_open")
    code = value(mine)
    (out,) = lead.predict(code, "", "Front line", False, *scores(SIX[0]),
                          api_name="/survey_respond")
    assert "Give your role" in out
    (out,) = lead.predict(code, "Nurse", "Front line", False, *scores(SIX[0])[:-1], None,
                          api_name="/survey_respond")
    assert "culture-measured has no score" in out
    notice, _, text, _ = lead.predict(code, api_name="/survey_results")
    assert "Not enough answers yet" in notice and "0 respondents" in text
    notice, _ = lead.predict(code, api_name="/survey_close")
    assert f"Survey {code} is closed (0 answered)" in notice
