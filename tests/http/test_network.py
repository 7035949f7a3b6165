"""The network pages over HTTP: who may see and change what, bad forms, stale edits."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from fgdm.accounts.models import StaffRole
from fgdm.families import service as families_service
from fgdm.families.models import MemberRole
from fgdm.network.models import Offer, Person, PersonDetail
from tests.factories import PASSPHRASE, actor_for, make_family, make_user


@pytest.fixture
def family(db, settings):
    setup = make_family(db, settings)
    dad = make_user(db, settings, name="Dad")
    families_service.add_member(
        db,
        actor=actor_for(settings, setup.practitioner),
        access=families_service.get_access(db, user=setup.practitioner, family_group_id=setup.id),
        user=dad,
        role=MemberRole.family_member,
    )
    db.commit()
    setup.dad = dad  # type: ignore[attr-defined]
    return setup


def signed_in(make_client, user):
    browser = make_client()
    browser.sign_in(user.login, PASSPHRASE)
    return browser


def add(browser, family_id, name="Nan", kind="family", closeness="close", **headers):
    return browser.submit(
        f"/families/{family_id}/network/people",
        {"known_as": name, "kind": kind, "closeness": closeness},
        headers=headers or None,
    )


def person_id(db, family_id, name):
    return db.exec(
        select(Person.id).where(Person.family_group_id == family_id, Person.known_as == name)
    ).one()


def names_on(html):
    page = BeautifulSoup(html, "html.parser")
    return [a.get_text(strip=True) for a in page.select(".person-card .card__title a")]


def test_a_parent_adds_a_person_in_one_form_and_sees_them_listed(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    response = add(mum, family.id, name="Uncle Dev", kind="family")
    assert response.status_code == 303
    assert "Uncle Dev" in names_on(mum.get(f"/families/{family.id}/network").text)


def test_htmx_add_answers_with_only_the_changed_part(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    response = add(mum, family.id, name="Auntie Jo", **{"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Auntie Jo" in names_on(response.text)
    assert "HX-Request" in response.headers["Vary"].split(", ")


def test_bad_person_form_keeps_what_was_typed_and_adds_nobody(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    response = mum.submit(
        f"/families/{family.id}/network/people",
        {"known_as": "", "relationship_to_child": "Mum's friend", "kind": "alien"},
    )
    assert response.status_code == 422
    page = BeautifulSoup(response.text, "html.parser")
    assert "name the family uses" in page.select_one("#known_as-error").get_text()
    assert page.select_one("#kind-error") is not None
    assert page.select_one("input#relationship_to_child")["value"] == "Mum's friend"
    assert len(db.exec(select(Person).where(Person.family_group_id == family.id)).all()) == 1


@pytest.mark.parametrize(
    "path",
    [
        "/families/{fid}/network",
        "/families/{fid}/network/people/{pid}",
    ],
)
def test_someone_from_another_family_gets_not_found(make_client, db, settings, family, path):
    outsider = make_family(db, settings, name="Other family").parent
    browser = signed_in(make_client, outsider)
    child = person_id(db, family.id, "Amir")
    assert browser.get(path.format(fid=family.id, pid=child)).status_code == 404


def test_a_person_of_another_family_is_not_found_under_your_family(
    make_client, db, settings, family
):
    other = make_family(db, settings, name="Other family", children=("Zara",))
    mum = signed_in(make_client, family.parent)
    zara = person_id(db, other.id, "Zara")
    assert mum.get(f"/families/{family.id}/network/people/{zara}").status_code == 404
    response = mum.submit(
        f"/families/{family.id}/network/people/{zara}",
        {"version": "1", "known_as": "Taken", "kind": "family"},
    )
    assert response.status_code == 404
    assert db.get(Person, zara).known_as == "Zara"


def test_a_manager_reads_the_network_but_cannot_change_it(make_client, db, settings, family):
    manager = make_user(db, settings, role=StaffRole.manager, team="Team A")
    browser = signed_in(make_client, manager)
    assert browser.get(f"/families/{family.id}/network").status_code == 200
    assert add(browser, family.id, name="Sneaky").status_code == 403
    assert db.exec(select(Person).where(Person.known_as == "Sneaky")).first() is None


def test_stale_edit_of_a_person_shows_both_versions_and_saves_nothing(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    dad = signed_in(make_client, family.dad)
    add(mum, family.id, name="Nan")
    nan = person_id(db, family.id, "Nan")
    first = mum.submit(
        f"/families/{family.id}/network/people/{nan}",
        {"version": "1", "known_as": "Nanna", "kind": "family"},
    )
    assert first.status_code == 303
    late = dad.submit(
        f"/families/{family.id}/network/people/{nan}",
        {"version": "1", "known_as": "Granny", "kind": "family"},
    )
    assert late.status_code == 409
    rows = [
        [cell.get_text(strip=True) for cell in row.select("th, td")]
        for row in BeautifulSoup(late.text, "html.parser").select("tbody tr")
    ]
    assert ["Name", "Granny", "Nanna"] in rows
    db.expire_all()
    assert db.get(Person, nan).known_as == "Nanna"


def test_mothers_new_address_is_in_no_page_or_partial_the_father_gets(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    dad = signed_in(make_client, family.dad)
    add(mum, family.id, name="Mum")
    mum_id = person_id(db, family.id, "Mum")
    saved = mum.submit(
        f"/families/{family.id}/network/people/{mum_id}/details",
        {"field": "address", "value": "14 New Street LE2 1AB", "visibility": "practitioners"},
    )
    assert saved.status_code == 303
    secret = "14 New Street"
    assert secret in mum.get(f"/families/{family.id}/network/people/{mum_id}").text
    for response in (
        dad.get(f"/families/{family.id}/network"),
        dad.get(f"/families/{family.id}/network/people/{mum_id}"),
        add(dad, family.id, name="Dad's mate", **{"HX-Request": "true"}),
        dad.get(f"/families/{family.id}"),
    ):
        assert response.status_code == 200
        assert secret not in response.text
    detail = db.exec(select(PersonDetail).where(PersonDetail.person_id == mum_id)).one()
    tried = dad.submit(
        f"/families/{family.id}/network/people/{mum_id}/details/{detail.id}",
        {"version": str(detail.version), "value": "changed", "visibility": "everyone"},
    )
    assert tried.status_code == 404
    assert secret not in tried.text


def test_offer_with_availability_and_a_bad_offer_form(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    add(mum, family.id, name="Nan")
    nan = person_id(db, family.id, "Nan")
    url = f"/families/{family.id}/network/people/{nan}/offers"
    bad = mum.submit(url, {"need": "", "sureness": "yes", "details": "Tuesdays"})
    assert bad.status_code == 422
    page = BeautifulSoup(bad.text, "html.parser")
    assert page.select_one("#need-error") is not None
    assert page.select_one("input#details")["value"] == "Tuesdays"
    good = mum.submit(
        url, {"need": "school_run", "sureness": "yes", "slot": ["tue:morning", "thu:morning"]}
    )
    assert good.status_code == 303
    offer = db.exec(select(Offer).where(Offer.person_id == nan)).one()
    assert offer.availability == "tue:morning,thu:morning"
    shown = mum.get(f"/families/{family.id}/network/people/{nan}").text
    assert "Tuesday morning, Thursday morning" in shown


def test_family_members_cannot_record_a_worry(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    add(mum, family.id, name="Uncle Dev")
    dev = person_id(db, family.id, "Uncle Dev")
    response = mum.submit(
        f"/families/{family.id}/network/people/{dev}/details",
        {"field": "worry", "value": "I think he drinks", "visibility": "everyone"},
    )
    assert response.status_code == 422
    assert db.exec(select(PersonDetail).where(PersonDetail.person_id == dev)).first() is None


def test_a_child_cannot_be_taken_off_their_own_map(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    child = person_id(db, family.id, "Amir")
    response = mum.submit(f"/families/{family.id}/network/people/{child}/remove", {"version": "1"})
    assert response.status_code == 422
    assert db.get(Person, child) is not None


def test_import_contacts_adds_only_the_chosen_people_with_private_phones(make_client, db, family):
    from tests.unit.test_vcard import TWO_CARDS

    mum = signed_in(make_client, family.parent)
    shown = mum.post(
        f"/families/{family.id}/network/import",
        data={"csrf_token": mum.token()},
        files={"contacts": ("contacts.vcf", TWO_CARDS.encode(), "text/vcard")},
    )
    assert shown.status_code == 200
    page = BeautifulSoup(shown.text, "html.parser")
    labels = [label.get_text(" ", strip=True) for label in page.select(".checkboxes__item label")]
    assert labels == ["Shireen Begum 07700 900123", "Dev Patel +44-7700-900456"]
    form = {
        tag["name"]: tag["value"] for tag in page.select("input[type=hidden]") if tag.get("name")
    }
    form.update({"pick": "1", "kind": "friend"})
    added = mum.post(f"/families/{family.id}/network/import/add", data=form)
    assert added.status_code == 303
    dev = person_id(db, family.id, "Dev Patel")
    assert db.exec(select(Person).where(Person.known_as == "Shireen Begum")).first() is None
    dad = signed_in(make_client, family.dad)
    assert "+44-7700-900456" not in dad.get(f"/families/{family.id}/network/people/{dev}").text
    assert "+44-7700-900456" in mum.get(f"/families/{family.id}/network/people/{dev}").text


def test_a_broken_contacts_file_gets_a_message_and_adds_nobody(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    response = mum.post(
        f"/families/{family.id}/network/import",
        data={"csrf_token": mum.token()},
        files={"contacts": ("contacts.vcf", b"BEGIN:VCARD\nFN:Half\n", "text/vcard")},
    )
    assert response.status_code == 422
    error = BeautifulSoup(response.text, "html.parser").select_one("#contacts-error")
    assert "could not read" in error.get_text()
    assert len(db.exec(select(Person).where(Person.family_group_id == family.id)).all()) == 1


def test_choosing_nobody_to_import_says_so_and_keeps_the_list(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    response = mum.submit(
        f"/families/{family.id}/network/import/add",
        {"name_0": "Shireen Begum", "phone_0": "07700 900123", "kind": "friend"},
    )
    assert response.status_code == 422
    page = BeautifulSoup(response.text, "html.parser")
    assert "Choose at least one" in page.select_one(".error-summary").get_text()
    assert page.select_one("#pick-0") is not None


def finding_texts(html):
    page = BeautifulSoup(html, "html.parser")
    return [li.get_text(" ", strip=True) for li in page.select(".finding")]


def test_adding_trusted_adults_makes_the_too_few_finding_disappear(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    before = mum.get(f"/api/v1/families/{family.id}/findings").json()
    assert "too_few_trusted_adults" in [f["code"] for f in before["findings"]]
    page = mum.get(f"/families/{family.id}/network").text
    assert any("close to Amir" in text for text in finding_texts(page))
    for name in ("Nan", "Grandad", "Auntie Jo", "Uncle Dev", "Mrs Patel"):
        add(mum, family.id, name=name, kind="family", closeness="close")
    api = mum.get(f"/api/v1/families/{family.id}/findings").json()
    assert "too_few_trusted_adults" not in [f["code"] for f in api["findings"]]
    page = mum.get(f"/families/{family.id}/network").text
    assert not any("close to Amir" in text for text in finding_texts(page))


def test_findings_show_on_the_family_home_page_with_links(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    home = BeautifulSoup(mum.get(f"/families/{family.id}").text, "html.parser")
    assert home.select(".finding")
    assert home.select_one(f"a[href='/families/{family.id}/network#gaps']") is not None


def test_what_if_shows_what_the_children_would_lose(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    add(mum, family.id, name="Nan", closeness="close")
    nan = person_id(db, family.id, "Nan")
    mum.submit(
        f"/families/{family.id}/network/people/{nan}/offers",
        {"need": "school_run", "sureness": "yes"},
    )
    page = mum.get(f"/families/{family.id}/network/what-if", params={"remove": nan})
    assert page.status_code == 200
    soup = BeautifulSoup(page.text, "html.parser")
    assert "If Nan could not help" in soup.select_one("#result").get_text()
    assert "School run" in soup.get_text()
    assert db.get(Person, nan) is not None  # nothing was changed


def test_a_hidden_worry_is_not_in_the_familys_findings_or_api(make_client, db, family):
    worker = signed_in(make_client, family.practitioner)
    add(worker, family.id, name="Uncle Dev", closeness="close")
    dev = person_id(db, family.id, "Uncle Dev")
    worker.submit(
        f"/families/{family.id}/network/people/{dev}/offers",
        {"need": "overnight", "sureness": "yes"},
    )
    worker.submit(
        f"/families/{family.id}/network/people/{dev}/details",
        {"field": "worry", "value": "Drinks heavily", "visibility": "practitioners"},
    )
    worker_codes = [
        f["code"] for f in worker.get(f"/api/v1/families/{family.id}/findings").json()["findings"]
    ]
    assert "worry_in_safety_role" in worker_codes
    dad = signed_in(make_client, family.dad)
    dad_codes = [
        f["code"] for f in dad.get(f"/api/v1/families/{family.id}/findings").json()["findings"]
    ]
    assert "worry_in_safety_role" not in dad_codes
    for url in (f"/families/{family.id}/network", f"/families/{family.id}"):
        text = dad.get(url).text
        assert "Drinks heavily" not in text and "worry" not in text.lower()


def test_the_network_page_draws_the_map_and_lists_the_same_people(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    add(mum, family.id, name="Nan", closeness="close")
    add(mum, family.id, name="Uncle Dev", closeness="conflict")
    page = BeautifulSoup(mum.get(f"/families/{family.id}/network").text, "html.parser")
    drawing = page.select_one("svg.ecomap")
    assert drawing["role"] == "img"
    assert drawing.select_one("title").get_text() == "Network map for Amir"
    assert "1 person is close" in drawing.select_one("desc").get_text()
    cards = {
        card.select_one(".card__title a").get_text(strip=True): card.get_text(" ", strip=True)
        for card in page.select(".person-card")
    }
    assert "With the children: Close" in cards["Nan"]
    assert "With the children: Conflict" in cards["Uncle Dev"]


def test_a_boosted_edit_is_answered_with_the_page_not_a_full_reload(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    add(mum, family.id, name="Nan")
    nan = person_id(db, family.id, "Nan")
    response = mum.submit(
        f"/families/{family.id}/network/people/{nan}",
        {"version": "1", "known_as": "Nanna", "kind": "family"},
        headers={"HX-Request": "true", "HX-Boosted": "true"},
    )
    assert response.status_code == 204
    assert response.headers["HX-Location"] == f"/families/{family.id}/network/people/{nan}#about"
    assert "HX-Redirect" not in response.headers


def test_linking_two_adults_keeps_a_note_and_refuses_a_second_link(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    add(mum, family.id, name="Mum")
    add(mum, family.id, name="Dad")
    mum_id, dad_id = person_id(db, family.id, "Mum"), person_id(db, family.id, "Dad")
    url = f"/families/{family.id}/network/people/{mum_id}/links"
    form = {"other_id": str(dad_id), "closeness": "conflict", "note": "Not at handovers"}
    assert mum.submit(url, form).status_code == 303
    page = mum.get(f"/families/{family.id}/network/people/{mum_id}").text
    assert "Conflict · Not at handovers" in BeautifulSoup(page, "html.parser").get_text(" ")
    again = mum.submit(url, form)
    assert again.status_code == 422
    summary = BeautifulSoup(again.text, "html.parser").select_one(".error-summary")
    assert "already linked" in summary.get_text()


def test_the_printed_network_page_carries_a_qr_code_back_to_it(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    page = BeautifulSoup(mum.get(f"/families/{family.id}/network").text, "html.parser")
    block = page.select_one(".print-only.print-qr")
    assert block.select_one("img")["src"].startswith("data:image/svg+xml")
    assert f"/families/{family.id}/network" in block.get_text()
