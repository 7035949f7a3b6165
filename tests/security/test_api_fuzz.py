"""Fuzzing the JSON API from its OpenAPI description: schemathesis makes requests no one
would think to write by hand, and every answer must be no server error, match the
description, and give nothing away to a caller who may not see it."""

from __future__ import annotations

import string
from dataclasses import dataclass

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.checks import ignored_auth, negative_data_rejection

from fgdm.api import service as api_service
from fgdm.families import service as families_service
from fgdm.network import service as network_service
from fgdm.network.models import DetailField, Visibility
from fgdm.network.service import PersonInput
from fgdm.network.vocabulary import Day, PartOfDay
from tests.factories import PASSPHRASE, FamilySetup, actor_for, make_family

# A bounded run, the same on every machine: CI must fail or pass for the same cases.
FUZZ = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# What only family A's practitioners may see (a phone kept from the family, a worry) and
# someone of family B's: none may reach anyone else.
HIDDEN = ("07700 900123", "Shouted at Amir's teacher", "Other family's Gran")


@dataclass
class World:
    a: FamilySetup
    b: FamilySetup
    token: str
    revoked_token: str


@pytest.fixture
def world(db, settings) -> World:
    """Family A with a network that has every kind of detail, offers and a worry; family B
    with someone of its own; a live and a revoked API token of A's practitioner."""
    a = make_family(db, settings, name="Family A")
    b = make_family(db, settings, name="Family B")
    worker = actor_for(settings, a.practitioner)
    access = families_service.get_access(db, user=a.practitioner, family_group_id=a.id)
    assert access is not None
    mum = network_service.add_person(
        db,
        actor=worker,
        access=access,
        data=PersonInput(
            known_as="Mum",
            kind="family",
            full_name="Sara Test",
            languages="Urdu",
            closeness="close",
        ),
    )
    dad = network_service.add_person(
        db,
        actor=worker,
        access=access,
        data=PersonInput(known_as="Dad", kind="family", closeness="conflict"),
    )
    friend = network_service.add_person(
        db,
        actor=worker,
        access=access,
        data=PersonInput(known_as="Jo", kind="friend", area="Northside", closeness="some_contact"),
    )
    details = [
        (mum.id, DetailField.address, "1 Old Road", Visibility.everyone, set()),
        (mum.id, DetailField.phone, "07700 900123", Visibility.practitioners, set()),
        (friend.id, DetailField.notes, "Drives a blue van", Visibility.named, {a.parent.id}),
        (dad.id, DetailField.worry, "Shouted at Amir's teacher", Visibility.practitioners, set()),
    ]
    for person_id, field_name, value, visibility, named in details:
        network_service.add_detail(
            db,
            actor=worker,
            access=access,
            person_id=person_id,
            field_name=field_name,
            value=value,
            visibility=visibility,
            named=named,
        )
    network_service.add_offer(
        db,
        actor=worker,
        access=access,
        person_id=mum.id,
        need="school_run",
        sureness="yes",
        details="Mornings before work",
        slots={(Day.monday, PartOfDay.morning), (Day.friday, PartOfDay.afternoon)},
    )
    network_service.add_offer(
        db,
        actor=worker,
        access=access,
        person_id=friend.id,
        need="overnight",
        sureness="maybe",
        details="",
        slots=set(),
    )
    network_service.add_relationship(
        db,
        actor=worker,
        access=access,
        person_id=mum.id,
        other_id=dad.id,
        closeness="conflict",
        note="They do not speak",
    )
    other_worker = actor_for(settings, b.practitioner)
    other_access = families_service.get_access(db, user=b.practitioner, family_group_id=b.id)
    assert other_access is not None
    network_service.add_person(
        db,
        actor=other_worker,
        access=other_access,
        data=PersonInput(known_as="Other family's Gran", kind="family", closeness="close"),
    )
    _token, secret = api_service.create_token(db, actor=worker, name="Case system")
    old, revoked = api_service.create_token(db, actor=worker, name="Old system")
    db.commit()
    api_service.revoke_token(db, actor=worker, token_id=old.id, version=old.version)
    db.commit()
    return World(a=a, b=b, token=secret, revoked_token=revoked)


def api_operations(app) -> list[APIOperation]:
    """Every operation of the JSON API, as the app's own OpenAPI description lists them, to
    be called in-process (no server)."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app).include(path_regex=r"^/api/")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {
        "/api/v1/families/{family_id}/network",
        "/api/v1/families/{family_id}/findings",
    }
    return operations


def _hides_everything(text: str) -> None:
    for secret in (*HIDDEN, "Mum", "1 Old Road", "Drives a blue van"):
        assert secret not in text


def test_fuzzed_calls_with_a_token_never_fail_and_answer_as_described(app, world):
    seen: set[int] = set()
    # Most fuzzed ids belong to no family; some are steered to A's and to B's.
    targets = st.sampled_from([world.a.id, world.b.id, None])
    for operation in api_operations(app):

        @FUZZ
        @given(case=operation.as_strategy(), target=targets)
        def call(case: Case, target: int | None) -> None:
            if target is not None:
                case.path_parameters["family_id"] = target
            response = case.call_and_validate(headers={"Authorization": f"Bearer {world.token}"})
            seen.add(response.status_code)
            if case.path_parameters["family_id"] == world.a.id:
                assert response.status_code == 200
                assert response.json()["family_group_id"] == world.a.id
                assert "Other family's Gran" not in response.text
            else:
                assert response.status_code == 404
                assert response.json() == {"detail": "Not Found"}

        call()
    assert seen == {200, 404}


def test_the_token_reads_every_detail_the_practitioner_may_see_as_described(app, world):
    network = next(op for op in api_operations(app) if op.path.endswith("/network"))
    case = network.Case(path_parameters={"family_id": world.a.id})
    response = case.call_and_validate(headers={"Authorization": f"Bearer {world.token}"})
    body = response.json()
    for secret in HIDDEN[:2]:
        assert secret in response.text
    dad = next(p for p in body["people"] if p["known_as"] == "Dad")
    assert dad["is_worry"] is True
    offers = [o for p in body["people"] for o in p["offers"]]
    assert sorted(o["need"] for o in offers) == ["overnight", "school_run"]


BAD_TOKENS = st.one_of(
    st.none(),
    st.builds(
        "{}{}{}".format,
        st.sampled_from(["Bearer ", "bearer ", "Bearer  ", "Basic ", "Token ", ""]),
        st.sampled_from(["", "fgdm_"]),
        st.text(alphabet=string.ascii_letters + string.digits + "_-.~+/=", max_size=120),
    ),
)


def test_fuzzed_calls_without_a_live_token_get_401_and_no_data(app, world):
    # The family id is A's half of the time: a real record must be refused just the same.
    targets = st.sampled_from([world.a.id, None])
    for operation in api_operations(app):

        @FUZZ
        @given(
            case=operation.as_strategy(),
            target=targets,
            header=st.one_of(BAD_TOKENS, st.just(f"Bearer {world.revoked_token}")),
        )
        def call(case: Case, target: int | None, header: str | None) -> None:
            if target is not None:
                case.path_parameters["family_id"] = target
            headers = {} if header is None else {"Authorization": header}
            response = case.call_and_validate(headers=headers)
            assert response.status_code in (401, 404)
            if case.path_parameters["family_id"] == world.a.id:
                assert response.status_code == 401
            assert response.json() in ({"detail": "Not signed in"}, {"detail": "Not Found"})
            _hides_everything(response.text)

        call()


def test_fuzzed_family_ids_never_reach_another_family_from_a_members_session(
    app, world, client, settings
):
    client.sign_in(world.a.parent.login, PASSPHRASE)
    cookies = {settings.session_cookie_name: client.cookies[settings.session_cookie_name]}
    seen: set[int] = set()
    targets = st.sampled_from([world.a.id, world.b.id, None])
    for operation in api_operations(app):

        @FUZZ
        @given(case=operation.as_strategy(), target=targets)
        def call(case: Case, target: int | None) -> None:
            if target is not None:
                case.path_parameters["family_id"] = target
            # The described bearer scheme makes schemathesis send a made-up token; this test
            # is about the session cookie alone, the API's other (undescribed) way in, so the
            # checks that expect every call to carry the bearer token do not apply.
            case.headers = {
                k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"
            }
            response = case.call_and_validate(
                cookies=cookies, excluded_checks=[ignored_auth, negative_data_rejection]
            )
            seen.add(response.status_code)
            for secret in HIDDEN:
                assert secret not in response.text
            if case.path_parameters["family_id"] == world.a.id:
                assert response.status_code == 200
                assert response.json()["family_group_id"] == world.a.id
                if case.operation.path.endswith("/network"):
                    assert "1 Old Road" in response.text
            else:
                assert response.status_code == 404
                assert response.json() == {"detail": "Not Found"}

        call()
    assert seen == {200, 404}


def test_malformed_family_ids_are_refused_without_a_server_error(app, world):
    seen: set[int] = set()
    for operation in api_operations(app):

        @FUZZ
        @given(case=operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
        def call(case: Case) -> None:
            response = case.call_and_validate(headers={"Authorization": f"Bearer {world.token}"})
            seen.add(response.status_code)
            assert 400 <= response.status_code < 500
            _hides_everything(response.text)

        call()
    assert 422 in seen
