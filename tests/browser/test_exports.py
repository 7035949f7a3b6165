"""Subject access on a practitioner's tablet and phone: choose who the copy is about,
review what is held back, download the data file. axe-core on each page."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from fgdm.config import Settings
from fgdm.families import service as families_service
from fgdm.network import service as network_service
from fgdm.network.service import PersonInput
from tests.browser.helpers import assert_accessible, sign_in
from tests.factories import PASSPHRASE, actor_for, make_family

pytestmark = pytest.mark.browser
TABLET = {"width": 1024, "height": 768}


def test_a_practitioner_reviews_and_downloads_a_copy_of_the_record(
    page: Page, db: Session, settings: Settings
) -> None:
    family = make_family(db, settings)
    access = families_service.get_access(db, user=family.practitioner, family_group_id=family.id)
    actor = actor_for(settings, family.practitioner)
    nan = network_service.add_person(
        db, actor=actor, access=access, data=PersonInput(known_as="Nan", kind="family")
    )
    network_service.add_detail(
        db,
        actor=actor,
        access=access,
        person_id=nan.id,
        field_name="phone",
        value="07700 900555",
        visibility="everyone",
        named=set(),
    )
    db.commit()

    sign_in(page, family.practitioner.login, PASSPHRASE)
    page.goto(f"/families/{family.id}")
    page.get_by_role("link", name="Copy of the record (subject access)").click()
    expect(
        page.get_by_role("heading", level=1, name="Copy of the record (subject access)")
    ).to_be_visible()
    assert_accessible(page)
    page.set_viewport_size(TABLET)
    assert_accessible(page)

    held = page.get_by_role("checkbox", name="Phone of Nan (About someone else (a third party))")
    expect(held).not_to_be_checked()
    held.check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the data file (JSON)").click()
    document = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert document["withheld"] == []
    assert "07700 900555" in json.dumps(document, ensure_ascii=False)

    page.get_by_label("Who is the copy about?").select_option(label="Nan")
    page.get_by_role("button", name="Show what the copy holds").click()
    expect(
        page.get_by_text("Nothing is held back: the copy can be released as it is.")
    ).to_be_visible()
    assert_accessible(page)
