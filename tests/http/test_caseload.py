"""The caseload page over HTTP: who may open it, what a row shows, sort links with
aria-sort, filters that keep what was chosen, bad parameters ignored or explained (never
a server error), and the table alone for htmx."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fgdm.accounts.models import StaffRole
from fgdm.db import utcnow
from fgdm.families.models import Stage
from tests.factories import make_family, make_user
from tests.http.test_safety_plan import signed_in, soup
from tests.unit.test_caseload import fill_family


@pytest.fixture
def world(db, settings):
    worker = make_user(db, settings, role=StaffRole.practitioner)
    today = utcnow().date()
    late = make_family(db, settings, practitioner=worker, name="Ahmed", children=("Zara",))
    fill_family(db, late.family, scorer=worker, people=2, review_date=today - timedelta(days=3))
    fine = make_family(db, settings, practitioner=worker, name="Brown", children=("Leo", "Mia"))
    fill_family(
        db,
        fine.family,
        scorer=worker,
        review_date=today + timedelta(days=30),
        score=8,
        stage=Stage.meeting,
    )
    return worker, late, fine


def row_names(page) -> list[str]:
    return [th.a.get_text(strip=True) for th in page.select("tbody th[scope=row]")]


def cells(page, family: str) -> dict[str, str]:
    row = next(tr for tr in page.select("tbody tr") if tr.th.a.get_text(strip=True) == family)
    return {td["data-label"]: " ".join(td.get_text(" ", strip=True).split()) for td in row("td")}


def test_a_practitioner_sees_each_family_group_with_what_is_due(make_client, world):
    worker, late, fine = world
    response = signed_in(make_client, worker).get("/caseload")
    assert response.status_code == 200
    page = soup(response)
    assert page.h1.get_text(strip=True) == "Caseload"
    assert row_names(page) == ["Ahmed", "Brown"]
    brown = cells(page, "Brown")
    assert brown["Stage"] == "Family meeting"
    assert "Overdue" not in brown["Review date"]
    assert brown["Latest safety score"].startswith("8 out of 10")
    assert brown["Next meeting"] != "None planned"
    ahmed = cells(page, "Ahmed")
    assert "Overdue" in ahmed["Review date"]
    assert ahmed["Gaps in the network"] != "None"
    assert "Leo, Mia" in page.find("a", string="Brown").parent.get_text()
    assert page.find("a", string="Ahmed")["href"] == f"/families/{late.id}"


@pytest.mark.parametrize("who", ["parent", "young_person"])
def test_family_members_are_refused(make_client, world, who):
    _worker, late, _fine = world
    response = signed_in(make_client, getattr(late, who)).get("/caseload")
    assert response.status_code == 403
    assert "Ahmed" not in response.text


def test_an_admin_is_refused_and_a_visitor_is_sent_to_sign_in(db, settings, make_client, world):
    admin = make_user(db, settings, role=StaffRole.admin)
    assert signed_in(make_client, admin).get("/caseload").status_code == 403
    response = make_client().get("/caseload")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_a_manager_sees_their_team_read_only_and_another_practitioner_sees_nothing_of_it(
    db, settings, make_client, world
):
    manager = make_user(db, settings, role=StaffRole.manager, team="Team A")
    page = soup(signed_in(make_client, manager).get("/caseload"))
    assert row_names(page) == ["Ahmed", "Brown"]
    assert page.find(string="Your team (read only)")
    other = make_user(db, settings, role=StaffRole.practitioner, team="Team B")
    page = soup(signed_in(make_client, other).get("/caseload"))
    assert row_names(page) == []
    assert "not working with any family group" in page.select_one("#caseload-results").get_text()


def test_sort_links_say_how_the_table_is_sorted_and_turn_it_round(make_client, world):
    browser = signed_in(make_client, world[0])
    page = soup(browser.get("/caseload?sort=review&order=desc"))
    assert row_names(page) == ["Brown", "Ahmed"]
    sorted_headers = page.select("th[aria-sort]")
    assert len(sorted_headers) == 1
    assert sorted_headers[0]["aria-sort"] == "descending"
    assert sorted_headers[0].a.get_text(" ", strip=True).startswith("Review date")
    # The sorted column's link turns the order round; the others sort first to last.
    assert "order=asc" in sorted_headers[0].a["href"]
    page = soup(browser.get(sorted_headers[0].a["href"]))
    assert row_names(page) == ["Ahmed", "Brown"]
    assert page.select_one("th[aria-sort]")["aria-sort"] == "ascending"


def test_filters_keep_what_was_chosen(make_client, world):
    browser = signed_in(make_client, world[0])
    page = soup(browser.get("/caseload?overdue=1&q=zar&stage=referral"))
    assert row_names(page) == ["Ahmed"]
    assert page.select_one("#overdue").has_attr("checked")
    assert page.select_one("#q")["value"] == "zar"
    assert page.select_one("#stage option[selected]")["value"] == "referral"
    page = soup(browser.get("/caseload?stage=meeting"))
    assert row_names(page) == ["Brown"]
    page = soup(browser.get("/caseload?q=nobody"))
    assert row_names(page) == []
    assert page.find(string=lambda s: s and "No family group matches" in s)


@pytest.mark.parametrize(
    "query",
    [
        "sort=password&order=up",
        "sort=&order=",
        "sort=name&sort=stage",
        "overdue=maybe",
        "q=%00%27%22<script>",
        "page=-1&sort=review%00",
    ],
)
def test_bad_sorting_is_ignored(make_client, world, query):
    response = signed_in(make_client, world[0]).get(f"/caseload?{query}")
    assert response.status_code == 200
    assert soup(response).select_one(".error-summary") is None


@pytest.mark.parametrize(("query", "field"), [("stage=nowhere", "stage"), ("q=" + "x" * 200, "q")])
def test_bad_filters_get_a_message_by_the_field(make_client, world, query, field):
    response = signed_in(make_client, world[0]).get(f"/caseload?{query}")
    assert response.status_code == 200
    page = soup(response)
    assert page.select_one(".error-summary a")["href"] == f"#{field}"
    assert page.select_one(f"#{field}-error")
    assert page.select_one(f"#{field}")["aria-invalid"] == "true"
    # The filter is left out, so every family group shows.
    assert row_names(page) == ["Ahmed", "Brown"]


def test_htmx_gets_the_table_alone(make_client, world):
    response = signed_in(make_client, world[0]).get(
        "/caseload?sort=name&order=desc", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"].split(", ")
    page = soup(response)
    assert page.h1 is None
    assert page.select_one("#caseload-results")
    assert row_names(page) == ["Brown", "Ahmed"]
