"""The statutory elements of DMCA notices and counter-notices, and the put-back window."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from officeactions.policy.dmca import (
    CounterNotice,
    Notice,
    counter_notice_defects,
    is_repeat_infringer,
    notice_defects,
    putback_window,
)

LA = ZoneInfo("America/Los_Angeles")
VALID = Notice(
    signature="/s/ Jane Doe",
    works=["Photograph 'Sunset' (2019)"],
    infringing_urls=["http://127.0.0.1:8081/index.php/File:Sunset.jpg"],
    address="1 Main St, Springfield",
    phone="",
    email="",
    good_faith=True,
    accuracy_under_perjury=True,
)


def test_a_complete_notice_has_no_defects():
    assert notice_defects(VALID) == []


@pytest.mark.parametrize(
    ("change", "defect"),
    [
        ({"signature": "  "}, "signature"),
        ({"works": [" "]}, "works"),
        ({"infringing_urls": []}, "infringing_urls"),
        ({"address": ""}, "contact"),
        ({"good_faith": False}, "good_faith"),
        ({"accuracy_under_perjury": False}, "accuracy_under_perjury"),
    ],
)
def test_each_missing_element_is_named(change, defect):
    assert notice_defects(Notice(**{**VALID.__dict__, **change})) == [defect]


def test_any_one_contact_detail_is_enough():
    assert notice_defects(Notice(**{**VALID.__dict__, "address": "", "email": "j@x.org"})) == []


COUNTER = CounterNotice(
    signature="/s/ Sam",
    removed_material="File:Sunset.jpg",
    former_location=["http://127.0.0.1:8081/index.php/File:Sunset.jpg"],
    mistake_under_perjury=True,
    name="Sam Uploader",
    address="2 Side St",
    phone="+1 555 0100",
    consent_to_jurisdiction=True,
)


@pytest.mark.parametrize(
    ("change", "defect"),
    [
        ({"signature": ""}, "signature"),
        ({"former_location": []}, "removed_material"),
        ({"mistake_under_perjury": False}, "mistake_under_perjury"),
        ({"phone": ""}, "identity_and_consent"),
        ({"consent_to_jurisdiction": False}, "identity_and_consent"),
    ],
)
def test_counter_notice_elements(change, defect):
    assert counter_notice_defects(COUNTER) == []
    assert counter_notice_defects(CounterNotice(**{**COUNTER.__dict__, **change})) == [defect]


def test_put_back_is_ten_to_fourteen_business_days_skipping_federal_holidays():
    # Received Monday 16 November 2026: Thanksgiving (26 Nov) does not count.
    earliest, latest = putback_window(datetime(2026, 11, 16, 9, 0, tzinfo=LA), LA)
    assert earliest.astimezone(LA).date().isoformat() == "2026-12-01"
    assert latest.astimezone(LA).date().isoformat() == "2026-12-07"


def test_repeat_infringer_threshold():
    assert not is_repeat_infringer(2, 3)
    assert is_repeat_infringer(3, 3)
    assert not is_repeat_infringer(10, 0)  # 0 switches the rule off
