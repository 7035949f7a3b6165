"""The JSON API: session or staff token, family scope, visibility, and token management."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from fgdm.accounts import service as accounts_service
from fgdm.accounts.models import StaffRole
from fgdm.network import service as network_service
from fgdm.network.models import DetailField, Visibility
from fgdm.network.service import PersonInput
from tests.factories import PASSPHRASE, actor_for, make_family, make_user


@pytest.fixture
def family_with_secret(db, settings):
    setup = make_family(db, settings)
    access = network_service.FamilyAccess  # noqa: F841 - type for readers
    from fgdm.families import service as families_service

    worker_access = families_service.get_access(
        db, user=setup.practitioner, family_group_id=setup.id
    )
    mum = network_service.add_person(
        db,
        actor=actor_for(settings, setup.practitioner),
        access=worker_access,
        data=PersonInput(known_as="Mum", kind="family", closeness="close"),
    )
    network_service.add_detail(
        db,
        actor=actor_for(settings, setup.practitioner),
        access=worker_access,
        person_id=mum.id,
        field_name=DetailField.address,
        value="14 New Street",
        visibility=Visibility.practitioners,
        named=set(),
    )
    db.commit()
    return setup


def make_token(client, user) -> str:
    client.sign_in(user.login, PASSPHRASE)
    page = client.submit("/account/api-tokens", {"name": "Case system"})
    assert page.status_code == 200
    secret = BeautifulSoup(page.text, "html.parser").select_one("#new-token").get_text(strip=True)
    client.submit("/logout")
    return secret


def test_practitioner_token_reads_the_whole_network(client, make_client, family_with_secret):
    setup = family_with_secret
    secret = make_token(client, setup.practitioner)
    system = make_client()
    response = system.get(
        f"/api/v1/families/{setup.id}/network", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 200
    body = response.json()
    mum = next(p for p in body["people"] if p["known_as"] == "Mum")
    assert mum["details"][0]["value"] == "14 New Street"
    assert [r["closeness"] for r in body["relationships"]] == ["close"]


def test_family_member_session_gets_the_network_without_hidden_details(client, family_with_secret):
    setup = family_with_secret
    client.sign_in(setup.parent.login, PASSPHRASE)
    response = client.get(f"/api/v1/families/{setup.id}/network")
    assert response.status_code == 200
    assert "14 New Street" not in response.text
    mum = next(p for p in response.json()["people"] if p["known_as"] == "Mum")
    assert mum["details"] == []


def test_anonymous_and_bad_tokens_get_401_and_other_families_404(
    client, make_client, db, settings, family_with_secret
):
    setup = family_with_secret
    url = f"/api/v1/families/{setup.id}/network"
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"Authorization": "Bearer fgdm_guess"}).status_code == 401
    other = make_family(db, settings, name="Other")
    secret = make_token(make_client(), other.practitioner)
    response = client.get(url, headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 404
    assert "Mum" not in response.text


def test_a_revoked_token_or_disabled_account_stops_working(
    client, make_client, db, settings, family_with_secret
):
    setup = family_with_secret
    secret = make_token(client, setup.practitioner)
    url = f"/api/v1/families/{setup.id}/network"
    headers = {"Authorization": f"Bearer {secret}"}
    system = make_client()
    assert system.get(url, headers=headers).status_code == 200
    client.sign_in(setup.practitioner.login, PASSPHRASE)
    page = BeautifulSoup(client.get("/account/api-tokens").text, "html.parser")
    form = page.select_one("form[action$='/revoke']")
    version = form.select_one("input[name=version]")["value"]
    assert client.submit(form["action"], {"version": version}).status_code == 303
    assert system.get(url, headers=headers).status_code == 401

    second = make_token(make_client(), setup.practitioner)
    accounts_service.set_active(
        db, actor=actor_for(settings), user=setup.practitioner, is_active=False
    )
    db.commit()
    assert system.get(url, headers={"Authorization": f"Bearer {second}"}).status_code == 401


def test_family_members_cannot_make_tokens(client, family_with_secret):
    client.sign_in(family_with_secret.parent.login, PASSPHRASE)
    assert client.get("/account/api-tokens").status_code == 403
    assert client.submit("/account/api-tokens", {"name": "x"}).status_code == 403


def test_token_name_is_required_and_someone_elses_token_cannot_be_revoked(
    client, make_client, db, settings
):
    worker = make_user(db, settings, role=StaffRole.practitioner)
    other = make_user(db, settings, role=StaffRole.manager)
    make_token(make_client(), other)
    client.sign_in(worker.login, PASSPHRASE)
    response = client.submit("/account/api-tokens", {"name": "  "})
    assert response.status_code == 422
    assert BeautifulSoup(response.text, "html.parser").select_one("#name-error") is not None
    assert client.submit("/account/api-tokens/1/revoke", {"version": "1"}).status_code == 404


def test_the_api_is_described_in_openapi(client):
    spec = client.get("/openapi.json").json()
    assert "/api/v1/families/{family_id}/network" in spec["paths"]
    assert "NetworkOut" in spec["components"]["schemas"]


def test_the_api_description_says_how_to_authenticate(client):
    spec = client.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["staffToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A staff API token, made on the account page (Authorization: Bearer …).",
    }
    api = {path: ops for path, ops in spec["paths"].items() if path.startswith("/api/")}
    assert api
    for operations in api.values():
        for operation in operations.values():
            assert operation["security"] == [{"staffToken": []}]
    # Without a token the API still answers 401 (not the 403 a declared scheme would give).
    assert client.get("/api/v1/families/1/network").status_code == 401
