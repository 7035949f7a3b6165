"""The family plan as a handout over HTTP: the A4 print page, the PDF and the children's
version; what practitioners alone may see stays out of every copy but a practitioner's own,
everyone in the group may print, outsiders get 404, and every print is audited."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader
from sqlmodel import select

from fgdm.accounts.models import StaffRole
from fgdm.audit.models import AuditEvent
from fgdm.families import service as families_service
from fgdm.network import service as network_service
from fgdm.network.models import Person
from fgdm.network.service import PersonInput
from fgdm.plans.models import (
    FamilyPlan,
    FamilyPlanAgreement,
    PlanAction,
    PlanActionPerson,
    PlanGoal,
    ServiceAnswer,
    ServiceRequest,
)
from tests.factories import PASSPHRASE, FamilySetup, actor_for, make_family, make_user
from tests.http.test_every_string_translatable import bracketed, untranslated  # noqa: F401

EVERYONE_PHONE = "07700 900111"
STAFF_PHONE = "07700 900999"
PAGES = ["/print", "/print.pdf", "/children"]


@dataclass
class WrittenPlan:
    nan: Person
    dev: Person
    plan: FamilyPlan


def write_plan(db, settings, family: FamilySetup) -> WrittenPlan:
    """A plan with a goal, two actions (Nan, whose second phone only practitioners see, and
    Dev, a worry), a request to services with its answer and one agreement."""
    access = families_service.get_access(db, user=family.practitioner, family_group_id=family.id)
    actor = actor_for(settings, family.practitioner)

    def person(name: str) -> Person:
        return network_service.add_person(
            db, actor=actor, access=access, data=PersonInput(known_as=name, kind="family")
        )

    def detail(who: Person, field_name: str, value: str, visibility: str) -> None:
        network_service.add_detail(
            db,
            actor=actor,
            access=access,
            person_id=who.id,
            field_name=field_name,
            value=value,
            visibility=visibility,
            named=set(),
        )

    nan, dev = person("Nan Bibi"), person("Dev")
    detail(nan, "phone", EVERYONE_PHONE, "everyone")
    detail(nan, "phone", STAFF_PHONE, "practitioners")
    detail(dev, "worry", "Shouted at the children", "practitioners")
    plan = FamilyPlan(
        family_group_id=family.id,
        what_we_want="Amir is safe and happy at home",
        if_things_go_wrong="Mum calls Nan straight away",
        people_to_call="Nan, any time",
        review_date=date(2027, 3, 1),
        revision=3,
    )
    db.add(plan)
    db.flush()
    goal = PlanGoal(
        plan_id=plan.id, text="Amir gets to school every day", child_words="You go to school."
    )
    db.add(goal)
    db.flush()
    pick_up = PlanAction(
        plan_id=plan.id,
        goal_id=goal.id,
        position=0,
        what="Nan picks Amir up from school",
        by_when="every Friday",
        how_we_know="Amir tells his teacher",
        child_words="Nan takes you home on Fridays.",
        pictogram="bus",
    )
    keep_away = PlanAction(
        plan_id=plan.id, position=1, what="Dev keeps away after eight", by_when="from now"
    )
    db.add_all([pick_up, keep_away])
    db.flush()
    db.add_all(
        [
            PlanActionPerson(action_id=pick_up.id, person_id=nan.id),
            PlanActionPerson(action_id=keep_away.id, person_id=dev.id),
            ServiceRequest(
                plan_id=plan.id,
                what_we_ask="A family support worker",
                of_whom="Early Help",
                answer=ServiceAnswer.agreed,
                answer_reason="From January",
            ),
            FamilyPlanAgreement(
                plan_id=plan.id, user_id=family.parent.id, revision=3, name_given="Nadia Khan"
            ),
        ]
    )
    db.commit()
    return WrittenPlan(nan=nan, dev=dev, plan=plan)


@pytest.fixture
def family(db, settings):
    return make_family(db, settings, name="The Khan family")


@pytest.fixture
def written(db, settings, family):
    return write_plan(db, settings, family)


def signed_in(make_client, user):
    browser = make_client()
    browser.sign_in(user.login, PASSPHRASE)
    return browser


def base(family) -> str:
    return f"/families/{family.id}/plan"


def soup(response):
    assert response.status_code == 200, response.text
    return BeautifulSoup(response.text, "html.parser")


def pdf_text(response) -> str:
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    # Words as a reader sees them, whatever line a table cell wrapped them onto.
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def prints(db, user) -> list[AuditEvent]:
    db.expire_all()
    return list(
        db.exec(
            select(AuditEvent).where(
                AuditEvent.object_type == "family_plan", AuditEvent.actor_id == user.id
            )
        ).all()
    )


# --- Who may print -----------------------------------------------------------------------


def test_someone_from_another_family_gets_not_found_on_every_handout(
    make_client, db, settings, family, written
):
    theirs = make_family(db, settings, name="Other family")
    for user in (theirs.parent, theirs.practitioner):
        other = signed_in(make_client, user)
        for page in PAGES:
            assert other.get(base(family) + page).status_code == 404, page
            assert other.get(base(family) + page + "?staff=1").status_code == 404, page


def test_signed_out_people_are_sent_to_sign_in(client, family):
    for page in PAGES:
        response = client.get(base(family) + page)
        assert response.status_code in (303, 401), page
        assert not response.content.startswith(b"%PDF")


def test_everyone_in_the_group_can_print_and_each_print_is_audited(
    make_client, db, settings, family, written
):
    manager = make_user(db, settings, role=StaffRole.manager)
    for user in (family.parent, family.young_person, family.practitioner, manager):
        browser = signed_in(make_client, user)
        for page, action in (
            ("/print", "print"),
            ("/print.pdf", "print_pdf"),
            ("/children", "view_children"),
        ):
            before = len(prints(db, user))
            assert browser.get(base(family) + page).status_code == 200, (user.login, page)
            events = prints(db, user)
            assert len(events) == before + 1, (user.login, page)
            assert events[-1].action == action
            assert events[-1].family_group_id == family.id


# --- The handout -------------------------------------------------------------------------


def test_the_handout_shows_the_whole_plan_with_a_qr_code_back_to_it(make_client, family, written):
    mum = signed_in(make_client, family.parent)
    page = soup(mum.get(base(family) + "/print"))
    assert page.select_one("h1").get_text() == "Our family plan"
    assert page.select_one(".plan-handout__family").get_text() == "The Khan family"
    assert "Amir" in page.select_one(".plan-handout__children").get_text()
    assert page.select_one("#what-we-want").get_text() == "Amir is safe and happy at home"
    assert page.select_one(".plan-handout__goal").get_text() == "Amir gets to school every day"
    headers = [th.get_text() for th in page.select(".plan-handout__actions th")]
    assert headers == ["Who", "What", "By when", "How we'll know"]
    rows = page.select(".plan-handout__action")
    assert [r.select_one(".plan-handout__what").get_text() for r in rows] == [
        "Nan picks Amir up from school",
        "Dev keeps away after eight",
    ]
    assert rows[0].select_one(".plan-handout__person").get_text().strip() == "Nan Bibi"
    assert rows[0].select_one(".plan-handout__when").get_text().strip() == "every Friday"
    assert rows[0].select_one(".plan-handout__know").get_text() == "Amir tells his teacher"
    assert page.select_one("#if-things-go-wrong").get_text() == "Mum calls Nan straight away"
    request = page.select_one(".plan-handout__request")
    ask = request.select_one(".plan-handout__ask").get_text()
    assert ask == "A family support worker (Early Help)"
    assert request.select_one(".plan-handout__answer").get_text() == "Agreed: From January"
    assert page.select_one(".plan-handout__review").get_text() == "1 March 2027"
    assert page.select_one("#people-to-call").get_text() == "Nan, any time"
    assert "Nadia Khan agreed on" in page.select_one(".plan-handout__agreement").get_text()
    assert "Printed on" in page.select_one(".plan-handout__printed").get_text()
    qr = page.select_one(".plan-handout__qr img.qr")
    assert qr["src"].startswith("data:image/svg+xml")
    assert f"/families/{family.id}/plan" in page.select_one(".plan-handout__qr p").get_text()
    assert page.select_one(f'a[href="{base(family)}/print.pdf"]') is not None


def test_an_empty_plan_still_prints(make_client, family):
    mum = signed_in(make_client, family.parent)
    page = soup(mum.get(base(family) + "/print"))
    assert page.select_one("h1").get_text() == "Our family plan"
    assert page.select_one(".plan-handout__action") is None
    assert "Page 1 of 1" in pdf_text(mum.get(base(family) + "/print.pdf"))


def phones_on(page) -> set[str]:
    return {p.get_text() for p in page.select(".plan-handout__phone")}


def test_a_family_member_never_sees_what_only_practitioners_may_even_with_staff_1(
    make_client, family, written
):
    for user in (family.parent, family.young_person):
        browser = signed_in(make_client, user)
        for query in ("", "?staff=1"):
            page = soup(browser.get(base(family) + "/print" + query))
            assert phones_on(page) == {EVERYONE_PHONE}
            assert page.select_one(".tag--worry") is None
            assert page.select_one("#staff") is None  # no tick box to ask for more
            assert page.select_one(".plan-handout__warning") is None
            text = pdf_text(browser.get(base(family) + "/print.pdf" + query))
            assert EVERYONE_PHONE in text
            assert STAFF_PHONE not in text
            assert "A worry" not in text


def test_a_practitioner_sees_their_details_only_when_they_tick_the_box(
    make_client, family, written
):
    worker = signed_in(make_client, family.practitioner)
    page = soup(worker.get(base(family) + "/print"))
    assert phones_on(page) == {EVERYONE_PHONE}  # the copy for the family
    assert page.select_one(".tag--worry") is None
    assert not page.select_one("#staff").has_attr("checked")
    assert STAFF_PHONE not in pdf_text(worker.get(base(family) + "/print.pdf"))

    page = soup(worker.get(base(family) + "/print?staff=1"))
    assert phones_on(page) == {EVERYONE_PHONE, STAFF_PHONE}
    dev_row = page.select(".plan-handout__action")[1]
    assert dev_row.select_one(".tag--worry").get_text() == "A worry"
    assert page.select_one("#staff").has_attr("checked")
    assert "Do not give it to the family" in page.select_one(".plan-handout__warning").get_text()
    assert page.select_one(f'a[href="{base(family)}/print.pdf?staff=1"]') is not None
    text = pdf_text(worker.get(base(family) + "/print.pdf?staff=1"))
    assert STAFF_PHONE in text
    assert "A worry" in text


def test_the_pdf_has_the_actions_and_their_people_and_is_a_download_not_kept(
    make_client, family, written
):
    mum = signed_in(make_client, family.parent)
    response = mum.get(base(family) + "/print.pdf")
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="family-plan-')
    assert disposition.endswith('.pdf"')
    assert "Khan" not in disposition
    assert response.headers["cache-control"] == "no-store"
    text = pdf_text(response)
    for words in (
        "Our family plan",
        "The Khan family",
        "Nan picks Amir up from school",
        "Nan Bibi",
        "Dev keeps away after eight",
        "Dev",
        "Mum calls Nan straight away",
        "A family support worker",
        "Nadia Khan",
        "Page 1 of",
    ):
        assert words in text, words


def test_practitioner_details_are_recorded_in_the_audit(make_client, db, family, written):
    worker = signed_in(make_client, family.practitioner)
    worker.get(base(family) + "/print?staff=1")
    assert prints(db, family.practitioner)[-1].action == "print_with_staff_details"
    worker.get(base(family) + "/print.pdf?staff=1")
    assert prints(db, family.practitioner)[-1].action == "print_pdf_with_staff_details"
    mum = signed_in(make_client, family.parent)
    mum.get(base(family) + "/print?staff=1")
    assert prints(db, family.parent)[-1].action == "print"


# --- The children's version --------------------------------------------------------------


def test_the_childrens_version_has_their_words_pictures_and_first_names(
    make_client, family, written
):
    young = signed_in(make_client, family.young_person)
    page = soup(young.get(base(family) + "/children"))
    assert page.select_one(".plan-kids__goal").get_text() == "You go to school."
    cards = page.select(".plan-kids__card")
    assert cards[0].select_one(".plan-kids__words").get_text() == "Nan takes you home on Fridays."
    picture = cards[0].select_one("img")
    assert picture["alt"] == "Bus"
    assert picture["src"].startswith("/static/pictograms/bus.svg")
    assert cards[0].select_one(".plan-kids__who").get_text() == "Who will help: Nan"
    # No words for the children: the family's words, and no picture.
    assert cards[1].select_one(".plan-kids__words").get_text() == "Dev keeps away after eight"
    assert cards[1].select_one("img") is None
    assert page.select_one(".plan-kids__review").get_text() == "1 March 2027"
    assert STAFF_PHONE not in page.get_text()


def test_every_handout_is_fully_translatable(
    bracketed,  # noqa: F811
    make_client,
    db,
    settings,
    family,
    written,
):
    typed = {
        "The Khan family",
        "Amir",
        "Nan Bibi",
        "Nan",
        "Dev",
        "Amir is safe and happy at home",
        "Mum calls Nan straight away",
        "Nan, any time",
        "Amir gets to school every day",
        "You go to school.",
        "Nan picks Amir up from school",
        "every Friday",
        "Amir tells his teacher",
        "Nan takes you home on Fridays.",
        "Dev keeps away after eight",
        "from now",
        "A family support worker",
        "Early Help",
        "From January",
        "Nadia Khan",
        EVERYONE_PHONE,
        STAFF_PHONE,
        "testserver",
        f"/families/{family.id}/plan",
        "http://",
    }
    for user in (family.practitioner, family.parent):
        db.expire_all()
        db.refresh(user)
        user.locale = "eo"
        db.add(user)
        db.commit()
        typed |= {user.display_name}
        browser = signed_in(make_client, user)
        for page in ("/print", "/print?staff=1", "/children"):
            response = browser.get(base(family) + page)
            assert response.status_code == 200
            assert untranslated(response.text, typed) == [], (user.login, page)
