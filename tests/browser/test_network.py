"""The family network on a phone: a parent maps the people who help, says what help they
can give, keeps a detail private, adds people from phone contacts, and asks "what if";
each page state checked with axe-core."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlmodel import Session, col, select

from fgdm.config import Settings
from fgdm.families import service as families_service
from fgdm.families.models import MemberRole
from fgdm.families.service import AccessRole, FamilyAccess
from fgdm.network import service as network_service
from fgdm.network.models import Person
from fgdm.network.service import PersonInput
from tests.browser.helpers import assert_accessible, screenshot, sign_in
from tests.factories import PASSPHRASE, FamilySetup, actor_for, make_family, make_user

pytestmark = pytest.mark.browser

# The finding that the child has too few trusted adults: "No adult ... is close to Amir."
# or "Only 4 adults ... are close to Amir: ...".
TOO_FEW_CLOSE = re.compile(r"family, friends or community (is|are) close to Amir")
SCHOOL_RUN_UNCOVERED = "Nobody has said they can help with “School run” yet."

CONTACTS = b"""BEGIN:VCARD
VERSION:3.0
FN:Bilal Khan
N:Khan;Bilal;;;
TEL;TYPE=CELL:07700 900123
END:VCARD
BEGIN:VCARD
VERSION:4.0
FN:Rosa Diaz
TEL;VALUE=uri:tel:+44-7700-900456
END:VCARD
"""


def _add_people(db: Session, settings: Settings, setup: FamilySetup, names: list[str]) -> None:
    """People on the map as a practitioner would add them, each close to the child."""
    access = FamilyAccess(family=setup.family, role=AccessRole.practitioner)
    for name in names:
        network_service.add_person(
            db,
            actor=actor_for(settings, setup.practitioner),
            access=access,
            data=PersonInput(known_as=name, kind="family", closeness="close"),
        )
    db.commit()


def _person_id(db: Session, setup: FamilySetup, name: str) -> int:
    db.expire_all()
    person = db.exec(
        select(Person).where(Person.family_group_id == setup.id, Person.known_as == name)
    ).one()
    assert person.id is not None
    return person.id


def _open_network(page: Page, family_name: str) -> None:
    page.get_by_role("link", name=family_name).click()
    expect(page.get_by_role("heading", level=1, name=family_name)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="People who help us").click()
    expect(page.get_by_role("heading", level=1, name="People who help us")).to_be_visible()
    assert_accessible(page)


def _person_card(page: Page, name: str) -> Locator:
    return page.locator(".person-card").filter(has=page.get_by_role("link", name=name, exact=True))


def _fill_short_form(page: Page, name: str, *, kind: str, closeness: str) -> None:
    form = page.locator("form", has=page.get_by_role("button", name="Add to our map"))
    form.get_by_label("Their name").fill(name)
    form.get_by_role("group", name="They are").get_by_label(kind, exact=True).check()
    closeness_group = form.get_by_role("group", name="How close are they to the children?")
    closeness_group.get_by_label(closeness, exact=True).check()


def test_parent_adds_five_close_people_and_the_too_few_adults_finding_goes(
    page: Page, new_phone: Callable[..., Page], db: Session, settings: Settings
) -> None:
    setup = make_family(db, settings, name="The Okafor family")
    sign_in(page, setup.parent.login, PASSPHRASE)
    _open_network(page, "The Okafor family")
    finding = page.locator(".finding").filter(has_text=TOO_FEW_CLOSE)
    expect(finding).to_have_count(1)
    expect(page.get_by_role("heading", level=2, name="1 person")).to_be_visible()
    ecomap = page.get_by_role("img", name=re.compile(r"^Network map for Amir"))
    expect(ecomap).to_have_accessible_name(re.compile(r"Nobody else is on the map yet"))

    # A full page load would lose this mark; an htmx swap keeps it.
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate("() => { window.fgdmSamePage = true; }")
    network_url = page.url
    names = ["Nan", "Grandad", "Auntie Ngozi", "Uncle Dev", "Cousin Ife"]
    for count, name in enumerate(names, start=1):
        _fill_short_form(page, name, kind="Family", closeness="Close")
        page.get_by_role("button", name="Add to our map").click()
        expect(_person_card(page, name)).to_be_visible()
        expect(page.get_by_role("heading", level=2, name=f"{count + 1} people")).to_be_visible()
        # The form is ready for the next person.
        expect(page.get_by_label("Their name")).to_have_value("")
        assert page.url == network_url
        assert page.evaluate("() => window.fgdmSamePage") is True
        # The map is redrawn in the same swap.
        close = f"{count} person is close" if count == 1 else f"{count} people are close"
        expect(ecomap).to_have_accessible_name(re.compile(close))
        if count < len(names):
            expect(finding).to_have_count(1)
            expect(finding).to_contain_text(name)
        assert_accessible(page)
    expect(finding).to_have_count(0)

    people = db.exec(
        select(Person).where(Person.family_group_id == setup.id, col(Person.is_child).is_(False))
    ).all()
    assert sorted(p.known_as for p in people) == sorted(names)

    # The same with JavaScript off: a plain form post, then back to the list.
    plain = new_phone(javascript=False)
    sign_in(plain, setup.parent.login, PASSPHRASE)
    _open_network(plain, "The Okafor family")
    _fill_short_form(plain, "Mrs Adeyemi", kind="Neighbour", closeness="Some contact")
    plain.get_by_role("button", name="Add to our map").click()
    expect(plain).to_have_url(re.compile(r"/network#people$"))
    card = _person_card(plain, "Mrs Adeyemi")
    expect(card).to_be_visible()
    expect(card).to_contain_text("Neighbour")
    expect(plain.get_by_role("heading", level=2, name="7 people")).to_be_visible()
    assert_accessible(plain)


def test_offer_of_school_run_clears_the_gap_and_a_private_detail_stays_private(
    page: Page, new_phone: Callable[..., Page], db: Session, settings: Settings
) -> None:
    setup = make_family(db, settings, name="The Begum family")
    _add_people(db, settings, setup, ["Nan", "Auntie Rumi"])
    father = make_user(db, settings, name="Jamal Begum")
    families_service.add_member(
        db,
        actor=actor_for(settings, setup.practitioner),
        access=FamilyAccess(family=setup.family, role=AccessRole.practitioner),
        user=father,
        role=MemberRole.family_member,
    )
    db.commit()

    sign_in(page, setup.parent.login, PASSPHRASE)
    _open_network(page, "The Begum family")
    uncovered = page.locator(".finding").filter(has_text=SCHOOL_RUN_UNCOVERED)
    expect(uncovered).to_have_count(1)

    _person_card(page, "Nan").get_by_role("link", name="Nan").click()
    expect(page.get_by_role("heading", level=1, name="Nan")).to_be_visible()
    expect(page.get_by_text("No help written down yet.")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "network-person")

    page.get_by_label("What help?").select_option(label="School run")
    page.get_by_role("group", name="How sure are they?").get_by_label(
        "Yes, they said they will"
    ).check()
    page.get_by_label("Anything to know? (optional)").fill("She walks past the school.")
    for slot in ("Monday morning", "Wednesday morning", "Friday afternoon"):
        page.get_by_role("checkbox", name=slot, exact=True).check()
    page.evaluate("() => { window.fgdmSamePage = true; }")
    page.get_by_role("button", name="Add help").click()
    expect(page).to_have_url(re.compile(r"#offers$"))
    # The boosted form swapped the page in place: no full reload.
    assert page.evaluate("() => window.fgdmSamePage") is True
    offers = page.locator("#offers + ul .card")
    expect(offers).to_have_count(1)
    expect(offers).to_contain_text("School run")
    expect(offers).to_contain_text("She walks past the school.")
    expect(offers).to_contain_text("Monday morning")
    assert_accessible(page)

    # A private detail: only the practitioners and the parent who wrote it.
    page.get_by_role("group", name="What is it?").get_by_label("Phone", exact=True).check()
    page.get_by_label("The detail", exact=True).fill("07700 900777")
    page.get_by_role("group", name="Who can see it?").get_by_label(
        "Only practitioners and me"
    ).check()
    page.get_by_role("button", name="Add detail").click()
    expect(page).to_have_url(re.compile(r"#private-details$"))
    expect(page.get_by_text("07700 900777")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Back to people who help us").click()
    expect(page.get_by_role("heading", level=1, name="People who help us")).to_be_visible()
    expect(uncovered).to_have_count(0)
    expect(_person_card(page, "Nan")).to_contain_text("School run")
    assert_accessible(page)

    # The father, on his own phone, sees Nan and her help but not the phone number.
    other = new_phone()
    sign_in(other, father.login, PASSPHRASE)
    _open_network(other, "The Begum family")
    _person_card(other, "Nan").get_by_role("link", name="Nan").click()
    expect(other.get_by_role("heading", level=1, name="Nan")).to_be_visible()
    expect(other.locator("#offers + ul .card")).to_contain_text("School run")
    expect(other.get_by_text("There are no private details you can see.")).to_be_visible()
    expect(other.get_by_text("07700 900777")).to_have_count(0)
    assert "07700 900777" not in other.content()
    assert_accessible(other)


def test_adding_a_person_without_a_name_shows_the_problem_and_keeps_what_was_typed(
    page: Page, db: Session, settings: Settings
) -> None:
    setup = make_family(db, settings, name="The Silva family")
    sign_in(page, setup.parent.login, PASSPHRASE)
    _open_network(page, "The Silva family")
    page.wait_for_function("() => window.htmx !== undefined")

    page.get_by_label("Who are they to the children? (optional)").fill("Football coach")
    _fill_short_form(page, "", kind="Community or faith group", closeness="Some contact")
    page.get_by_role("button", name="Add to our map").click()

    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    message = "Enter the name the family uses for this person, like Nan."
    expect(summary.get_by_role("link", name=message)).to_be_visible()
    name_group = page.locator(".form-group", has=page.get_by_label("Their name"))
    expect(name_group.locator(".error-message")).to_have_text(f"Error: {message}")
    expect(page.get_by_label("Their name")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Who are they to the children? (optional)")).to_have_value(
        "Football coach"
    )
    expect(
        page.get_by_role("group", name="They are").get_by_label("Community or faith group")
    ).to_be_checked()
    expect(
        page.get_by_role("group", name="How close are they to the children?").get_by_label(
            "Some contact"
        )
    ).to_be_checked()
    expect(page.get_by_role("heading", level=2, name="1 person")).to_be_visible()
    assert_accessible(page)

    # The link in the summary takes the person to the field.
    summary.get_by_role("link", name=message).click()
    expect(page.get_by_label("Their name")).to_be_focused()

    # Put right, the person is added and the problem goes.
    page.get_by_label("Their name").fill("Coach Tony")
    page.get_by_role("button", name="Add to our map").click()
    expect(_person_card(page, "Coach Tony")).to_be_visible()
    expect(summary).to_have_count(0)
    assert_accessible(page)


def test_parent_adds_a_person_from_their_phone_contacts(
    page: Page, db: Session, settings: Settings
) -> None:
    setup = make_family(db, settings, name="The Khan family")
    sign_in(page, setup.parent.login, PASSPHRASE)
    _open_network(page, "The Khan family")

    page.get_by_role("link", name="Add people from your phone's contacts").click()
    heading = page.get_by_role("heading", level=1, name="Add people from your phone's contacts")
    expect(heading).to_be_visible()
    assert_accessible(page)

    # A file that is not contacts gets a message beside the file field.
    page.get_by_label("Contacts file").set_input_files(
        {"name": "contacts.vcf", "mimeType": "text/vcard", "buffer": b"just some notes\n"}
    )
    page.get_by_role("button", name="Show the contacts").click()
    problem = "That file is not a contacts file. Choose a file that ends in .vcf."
    file_group = page.locator(".form-group", has=page.get_by_label("Contacts file"))
    expect(file_group.locator(".error-message")).to_have_text(f"Error: {problem}")
    expect(page.get_by_label("Contacts file")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert")).to_contain_text(problem)
    assert_accessible(page)

    page.get_by_label("Contacts file").set_input_files(
        {"name": "contacts.vcf", "mimeType": "text/vcard", "buffer": CONTACTS}
    )
    page.get_by_role("button", name="Show the contacts").click()
    choose = page.get_by_role("group", name="Who do you want to add?")
    expect(choose).to_be_visible()
    expect(choose.get_by_role("checkbox")).to_have_count(2)
    assert_accessible(page)

    choose.get_by_label("Rosa Diaz").uncheck()
    expect(choose.get_by_label("Bilal Khan")).to_be_checked()
    page.get_by_role("group", name="They are").get_by_label("Neighbour").check()
    page.get_by_role("button", name="Add the people I chose").click()

    expect(page.get_by_role("heading", level=1, name="People who help us")).to_be_visible()
    card = _person_card(page, "Bilal Khan")
    expect(card).to_be_visible()
    expect(card).to_contain_text("Neighbour")
    expect(_person_card(page, "Rosa Diaz")).to_have_count(0)
    assert_accessible(page)

    db.expire_all()
    added = db.exec(
        select(Person).where(Person.family_group_id == setup.id, col(Person.is_child).is_(False))
    ).all()
    assert [p.known_as for p in added] == ["Bilal Khan"]


def test_what_if_shows_what_the_children_would_lose(
    page: Page, db: Session, settings: Settings
) -> None:
    setup = make_family(db, settings, name="The Novak family")
    _add_people(db, settings, setup, ["Nan", "Uncle Dev"])
    nan = _person_id(db, setup, "Nan")
    network_service.add_offer(
        db,
        actor=actor_for(settings, setup.practitioner),
        access=FamilyAccess(family=setup.family, role=AccessRole.practitioner),
        person_id=nan,
        need="overnight",
        sureness="yes",
        details="",
        slots=set(),
    )
    db.commit()

    sign_in(page, setup.parent.login, PASSPHRASE)
    _open_network(page, "The Novak family")
    page.get_by_role("link", name="What if someone could not help any more?").click()
    heading = page.get_by_role("heading", level=1, name="What if someone could not help any more?")
    expect(heading).to_be_visible()
    who = page.get_by_role("group", name="Who could not help?")
    # The children are not in the list: the question is about the people who help them.
    expect(who.get_by_role("checkbox")).to_have_count(2)
    expect(page.get_by_role("heading", level=2)).to_have_count(0)
    assert_accessible(page)

    who.get_by_label("Nan").check()
    page.get_by_role("button", name="Show what would change").click()
    result = page.get_by_role("heading", level=2, name="If Nan could not help")
    expect(result).to_be_visible()
    lost_help = page.get_by_role("heading", level=3, name="Help nobody would give")
    expect(lost_help).to_be_visible()
    expect(page.locator("h3:has-text('Help nobody would give') + ul")).to_contain_text(
        "Overnight stays"
    )
    expect(who.get_by_label("Nan")).to_be_checked()
    assert_accessible(page)
    screenshot(page, "network-what-if")


def test_network_page_with_ten_people_and_their_map_fits_a_phone(
    page: Page, db: Session, settings: Settings
) -> None:
    setup = make_family(db, settings, name="The Mensah family")
    names = [
        "Nan",
        "Grandad Kwame",
        "Auntie Abena",
        "Uncle Kofi",
        "Mrs Patel next door",
        "Pastor Daniel",
        "Miss Hughes (teacher)",
        "Cousin Efua",
        "Dad's friend Mark",
        "Health visitor",
    ]
    _add_people(db, settings, setup, names)

    sign_in(page, setup.parent.login, PASSPHRASE)
    _open_network(page, "The Mensah family")
    expect(page.get_by_role("heading", level=2, name="11 people")).to_be_visible()
    for name in names:
        expect(_person_card(page, name)).to_be_visible()
    # Nothing is wider than the phone's screen.
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    # The map is drawn once for the screen (the copy for print is hidden from everyone).
    ecomap = page.get_by_role("img", name=re.compile(r"^Network map for Amir"))
    expect(ecomap).to_have_count(1)
    expect(ecomap).to_be_visible()
    expect(ecomap).to_have_accessible_name(
        re.compile(r"Amir is in the middle\. 10 people are close")
    )
    box = ecomap.bounding_box()
    assert box is not None and box["width"] <= 360
    assert_accessible(page)
    screenshot(page, "network-ten-people")
