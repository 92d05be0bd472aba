"""The personal-data guard: NHS numbers (modulus-11), UK phone numbers and emails are redacted
from questions before retrieval, logging or any language model; the user is told.

(That a redacted question never reaches a remote model server is shown in
tests/test_llm_ollama.py, which captures what the server received.)
"""

from __future__ import annotations

import logging

import pytest

from coach.pii import EMAIL, NHS_NUMBER, PHONE, nhs_checksum_ok, redact

# 943 476 5919: weights 10..2 give 90+36+24+28+42+30+20+27+2 = 299; 299 mod 11 = 2;
# 11 - 2 = 9, the last digit. So it is valid, and changing the last digit makes it invalid.
VALID = "9434765919"


def test_checksum_by_hand():
    assert nhs_checksum_ok(VALID)
    assert not nhs_checksum_ok("9434765918")
    # 401 023 2137: 40+0+8+0+12+15+8+3+6 = 92; 92 mod 11 = 4; 11 - 4 = 7: valid
    assert nhs_checksum_ok("4010232137")
    assert not nhs_checksum_ok("4010232130")
    # 100 000 000x: 1*10 = 10; 11 - 10 = 1
    assert nhs_checksum_ok("1000000001") and not nhs_checksum_ok("1000000000")
    # 000 000 000x: total 0; 11 - 0 = 11, which counts as 0
    assert nhs_checksum_ok("0000000000")
    # 100 000 001x: 10 + 2 = 12; 12 mod 11 = 1; 11 - 1 = 10, which no NHS number has
    assert not any(nhs_checksum_ok(f"100000001{d}") for d in range(10))
    assert not nhs_checksum_ok("12345")
    assert not nhs_checksum_ok("abcdefghij")


@pytest.mark.parametrize("written", [VALID, "943 476 5919", "943-476-5919"])
def test_valid_nhs_numbers_are_redacted_however_written(written):
    result = redact(f"Patient {written} was seen twice; what QI measure fits?")
    assert written not in result.text
    assert "[NHS number removed]" in result.text
    assert result.kinds == (NHS_NUMBER,)
    assert result.items[0].value == written


@pytest.mark.parametrize("written", ["943 476 5918", "9434765918", "123 456 7890"])
def test_ten_digits_failing_the_check_are_left_alone(written):
    result = redact(f"Reference {written} in the audit")
    assert result.text == f"Reference {written} in the audit"
    assert not result.changed


@pytest.mark.parametrize("phone", [
    "020 7946 0958", "(020) 7946 0958", "02079460958", "07700 900123", "07700-900-123",
    "+44 7700 900123", "+44 (0)20 7946 0958", "0044 20 7946 0958", "0300 123 4567",
    "0113 496 0000",
])
def test_uk_phone_numbers_are_redacted(phone):
    result = redact(f"Ring me on {phone} about the PDSA cycle.")
    assert phone not in result.text
    assert result.text == "Ring me on [phone number removed] about the PDSA cycle."
    assert result.kinds == (PHONE,)


@pytest.mark.parametrize("email", ["jo.bloggs@nhs.net", "a_b+qi@trust.nhs.uk", "X@Y.ORG"])
def test_emails_are_redacted(email):
    result = redact(f"Send it to {email}, please")
    assert result.text == "Send it to [email address removed], please"
    assert result.kinds == (EMAIL,)


@pytest.mark.parametrize("text", [
    "LIPS ran from 2009 to 2013 and 13 national bodies signed up.",
    "Projects reach 4.5 or 5.0 on the 0.5 to 5 scale; weight 15.5 out of 100.",
    "Seven points in a row, 20 or more points, 2019 report, 1,000 staff, step 3 of 6.",
    "Call the ward at extension 4567.",
])
def test_ordinary_figures_are_not_personal_data(text):
    assert redact(text).text == text


def test_several_kinds_and_the_notice():
    result = redact(f"{VALID} / jo@nhs.net / 07700 900123 / 943 476 5919")
    assert result.text.count("[NHS number removed]") == 2
    assert result.kinds == (NHS_NUMBER, PHONE, EMAIL)
    notice = result.notice()
    assert "an NHS number, a phone number and an email address" in notice
    assert redact("nothing here").notice() == ""


def test_the_coach_redacts_before_searching_and_logging(make_coach, write_md, make_settings,
                                                        caplog):
    settings = make_settings(log_level="DEBUG")
    write_md(settings.knowledge_dir / "pdsa.md",
             "# PDSA\n\nA PDSA cycle tests a change on a small scale before it is spread. "
             "Teams plan the test, do it, study the results and act on what they learnt.",
             title="PDSA cycles", kind="method")
    coach = make_coach(settings)
    coach.ingest()
    caplog.set_level(logging.DEBUG)
    answer = coach.ask("How do we run a PDSA cycle for patient 943 476 5919? "
                       "Email me at jo.bloggs@nhs.net")
    assert not answer.refused
    assert "943 476 5919" not in answer.query and "jo.bloggs" not in answer.query
    assert "[NHS number removed]" in answer.query
    assert "NHS number" in answer.notice and "email address" in answer.notice
    assert caplog.records, "the package logged nothing at DEBUG: the check would be empty"
    assert "943 476 5919" not in caplog.text and "jo.bloggs" not in caplog.text
    assert "redacted=NHS number,email address" in caplog.text
