"""The subject access pages: review what is held back, then download the data file or a
copy to read. Practitioners of the family group only."""

from __future__ import annotations

import io
import json

from bs4 import BeautifulSoup
from pypdf import PdfReader
from sqlmodel import select

from fgdm.families import service as families_service
from fgdm.network import service as network_service
from fgdm.network.models import Person
from fgdm.network.service import PersonInput
from tests.factories import PASSPHRASE, actor_for, make_family


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def family_with_private_phone(db, settings):
    setup = make_family(db, settings)
    access = families_service.get_access(db, user=setup.practitioner, family_group_id=setup.id)
    actor = actor_for(settings, setup.practitioner)
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
    return setup


def test_the_review_page_lists_what_is_held_back_and_why(client, db, settings):
    family = family_with_private_phone(db, settings)
    client.sign_in(family.practitioner.login, PASSPHRASE)
    page = client.get(f"/families/{family.id}/export")
    assert page.status_code == 200
    labels = [label.get_text(" ", strip=True) for label in soup(page).select("fieldset label")]
    assert labels == ["Phone of Nan (About someone else (a third party))"]
    boxes = soup(page).select("input[name=release]")
    assert [b.get("checked") for b in boxes] == [None]  # nothing released unless ticked
    counts = {
        row.th.get_text(strip=True): row.td.get_text(strip=True)
        for row in soup(page).select("#export-counts tbody tr")
    }
    assert counts["person"] == str(
        len(db.exec(select(Person).where(Person.family_group_id == family.id)).all())
    )


def test_the_data_file_downloads_without_what_was_not_ticked(client, db, settings):
    family = family_with_private_phone(db, settings)
    client.sign_in(family.practitioner.login, PASSPHRASE)
    response = client.submit(f"/families/{family.id}/export", {"format": "json"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["cache-control"] == "no-store"
    document = json.loads(response.text)
    assert "07700 900555" not in response.text
    assert [w["why"] for w in document["withheld"]] == ["third_party"]

    key = document["withheld"][0]["key"]
    ticked = client.submit(f"/families/{family.id}/export", {"format": "json", "release": key})
    assert "07700 900555" in ticked.text


def test_the_copy_to_read_is_a_web_page_with_every_kind_of_record(client, db, settings):
    family = family_with_private_phone(db, settings)
    client.sign_in(family.practitioner.login, PASSPHRASE)
    response = client.submit(f"/families/{family.id}/export", {"format": "html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert 'filename="fgdm-family-' in response.headers["content-disposition"]
    headings = [h.get_text(" ", strip=True) for h in soup(response).select("h2")]
    assert any(h.startswith("person (") for h in headings)
    assert any(h.startswith("audit_event (") for h in headings)
    assert "Held back" in headings


def test_the_copy_to_read_also_comes_as_a_pdf_without_what_was_not_ticked(client, db, settings):
    family = family_with_private_phone(db, settings)
    client.sign_in(family.practitioner.login, PASSPHRASE)
    response = client.submit(f"/families/{family.id}/export", {"format": "pdf"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].endswith('.pdf"')
    assert response.headers["cache-control"] == "no-store"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Nan" in text and "Held back" in text
    assert "07700 900555" not in text


def test_family_members_cannot_export_and_other_families_get_not_found(
    client, make_client, db, settings
):
    family = family_with_private_phone(db, settings)
    other = make_family(db, settings, name="Another family")
    client.sign_in(family.parent.login, PASSPHRASE)
    assert client.get(f"/families/{family.id}/export").status_code == 403
    assert client.submit(f"/families/{family.id}/export", {"format": "json"}).status_code == 403

    practitioner = make_client()
    practitioner.sign_in(family.practitioner.login, PASSPHRASE)
    assert practitioner.get(f"/families/{other.id}/export").status_code == 404
    their_child = db.exec(select(Person).where(Person.family_group_id == other.id)).first()
    response = practitioner.get(f"/families/{family.id}/export?person_id={their_child.id}")
    assert response.status_code == 404


def test_an_export_about_one_person_is_chosen_on_the_page(client, db, settings):
    family = family_with_private_phone(db, settings)
    nan = db.exec(select(Person).where(Person.known_as == "Nan")).one()
    client.sign_in(family.practitioner.login, PASSPHRASE)
    page = client.get(f"/families/{family.id}/export?person_id={nan.id}")
    chosen = soup(page).select_one("#person_id option[selected]")
    assert chosen.get_text(strip=True) == "Nan"
    # About Nan, her own phone is not a third party's detail: nothing is held back.
    assert soup(page).select("input[name=release]") == []
    response = client.submit(
        f"/families/{family.id}/export", {"format": "json", "person_id": str(nan.id)}
    )
    document = json.loads(response.text)
    assert document["subject"]["person_name"] == "Nan"
    assert "07700 900555" in response.text
