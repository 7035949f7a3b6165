"""The demo a council tries first: it loads, and the Begum-Clarke family's pages answer for
the practitioner and for Nadia, with the family group conference carried through to an
agreed plan."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from fgdm import demo
from fgdm.families.models import FamilyGroup, Stage
from fgdm.meetings.models import Meeting

PAGES = [
    "",
    "/journey",
    "/referral",
    "/network",
    "/mapping",
    "/safety-plan",
    "/plan",
    "/plan/history",
    "/plan/decision",
    "/plan/print",
    "/plan/children",
    "/meetings",
    "/views",
    "/stories",
]


@pytest.fixture
def family_id(db, settings):
    assert demo.load(db, settings=settings)
    db.commit()
    family = db.exec(select(FamilyGroup).where(FamilyGroup.name == "The Begum-Clarke family")).one()
    assert family.stage == Stage.plan_agreed
    return family.id


@pytest.mark.parametrize(
    ("login", "passphrase"),
    [
        ("sam.okafor@demo.example.org", "demo blue kettle morning"),
        ("nadia", "demo sunflower harbour tea"),
    ],
)
def test_the_demo_family_pages_answer(make_client, family_id, login, passphrase):
    browser = make_client()
    browser.sign_in(login, passphrase)
    for page in PAGES:
        response = browser.get(f"/families/{family_id}{page}")
        assert response.status_code == 200, page
    plan = BeautifulSoup(browser.get(f"/families/{family_id}/plan").text, "html.parser")
    text = plan.get_text(" ", strip=True)
    assert "Nan stays over on Mum's late shifts" in text
    assert "Someone checks in with Mum on Sunday evenings" in text


def test_the_demo_practitioner_sees_the_caseload_and_the_meeting_room(make_client, family_id, db):
    meeting = db.exec(select(Meeting).where(Meeting.kind == "conference")).one()
    sam = make_client()
    sam.sign_in("sam.okafor@demo.example.org", "demo blue kettle morning")
    caseload = BeautifulSoup(sam.get("/caseload").text, "html.parser").get_text(" ", strip=True)
    assert "The Begum-Clarke family" in caseload and "Team Maya" in caseload
    assert sam.get(f"/families/{family_id}/meetings/{meeting.id}").status_code == 200
    assert sam.get(f"/families/{family_id}/meetings/{meeting.id}/room").status_code == 200
    assert sam.get(f"/families/{family_id}/safety-arrangements").status_code == 200
