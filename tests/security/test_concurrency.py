"""Two people editing the same records in random interleavings (a hypothesis state
machine over real HTTP requests): every edit the app acknowledged is in the final state or
was overwritten by a later edit made by someone who had seen it; every other edit was shown
as a conflict and changed nothing. No edit is ever silently lost."""

from __future__ import annotations

from bs4 import BeautifulSoup
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlmodel import select

from fgdm.families import service as families_service
from fgdm.plans.models import FamilyPlan
from fgdm.safety import service as safety_service
from fgdm.safety.models import MappingItem
from tests.factories import PASSPHRASE, actor_for, make_family

WORDS = st.text(alphabet="abcdefghij klmnop", min_size=1, max_size=12).map(str.strip).filter(bool)
CLIENTS = st.sampled_from([0, 1])


def _field(html: str, name: str) -> str:
    field = BeautifulSoup(html, "html.parser").select_one(f'[name="{name}"]')
    assert field is not None, name
    return field.get_text() if field.name == "textarea" else field.get("value", "")


def machine_for(make_client, db, app_settings, totals: dict[str, int]):
    setup = make_family(db, app_settings, name="The Interleaved family")
    two = [make_client(), make_client()]
    two[0].sign_in(setup.practitioner.login, PASSPHRASE)
    two[1].sign_in(setup.parent.login, PASSPHRASE)
    base = f"/families/{setup.id}"

    class TwoEditors(RuleBasedStateMachine):
        """Each client loads a record (remembering what it saw) and later saves an edit
        based on what it saw. The model is what the record should say now."""

        @initialize()
        def start(self) -> None:
            # Written by the parent, so both the parent and the practitioner may change it.
            access = families_service.get_access(db, user=setup.parent, family_group_id=setup.id)
            item = safety_service.add_item(
                db,
                actor=actor_for(app_settings, setup.parent),
                access=access,
                column="worried",
                kind="past_harm",
                text="start",
                share=True,
            )
            db.commit()
            self.item_url = f"{base}/mapping/items/{item.id}"
            self.item_id = item.id
            self.item_text = "start"
            self.item_version = 1
            # The plan lives on from one example to the next: start from what it says.
            plan = db.exec(select(FamilyPlan).where(FamilyPlan.family_group_id == setup.id)).first()
            self.section_text = plan.what_we_want if plan else ""
            self.seen_item: list[tuple[int, str] | None] = [None, None]
            self.seen_section: list[str | None] = [None, None]
            self.acknowledged = 0
            self.conflicts = 0

        @rule(who=CLIENTS)
        def load_item(self, who: int) -> None:
            page = two[who].get(self.item_url)
            assert page.status_code == 200
            self.seen_item[who] = (int(_field(page.text, "version")), _field(page.text, "text"))
            assert self.seen_item[who] == (self.item_version, self.item_text)

        @rule(who=CLIENTS, words=WORDS)
        def save_item(self, who: int, words: str) -> None:
            seen = self.seen_item[who]
            if seen is None:
                return
            version, _text = seen
            data = {"kind": "past_harm", "text": words, "share": "yes", "version": str(version)}
            response = two[who].submit(self.item_url, data)
            if version == self.item_version:
                assert response.status_code == 303, response.text[:300]
                # Saving the same words changes nothing, so the record keeps its version.
                if words != self.item_text:
                    self.item_text, self.item_version = words, version + 1
                self.acknowledged += 1
            else:
                # Someone saved since this client loaded it: a conflict page with both.
                assert response.status_code == 409
                assert words in response.text
                self.conflicts += 1
            self.seen_item[who] = None

        @rule(who=CLIENTS)
        def load_section(self, who: int) -> None:
            page = two[who].get(f"{base}/plan/words/what_we_want")
            assert page.status_code == 200
            self.seen_section[who] = _field(page.text, "was")
            assert self.seen_section[who] == self.section_text

        @rule(who=CLIENTS, words=WORDS)
        def save_section(self, who: int, words: str) -> None:
            seen = self.seen_section[who]
            if seen is None:
                return
            response = two[who].submit(
                f"{base}/plan/words/what_we_want", {"was": seen, "what_we_want": words}
            )
            if seen == self.section_text:
                assert response.status_code == 303, response.text[:300]
                self.section_text = words
                self.acknowledged += 1
            else:
                assert response.status_code == 409
                self.conflicts += 1
            self.seen_section[who] = None

        def teardown(self) -> None:
            totals["acknowledged"] += getattr(self, "acknowledged", 0)
            totals["conflicts"] += getattr(self, "conflicts", 0)

        @invariant()
        def what_is_stored_is_the_last_acknowledged_edit(self) -> None:
            if not hasattr(self, "item_id"):
                return
            db.expire_all()
            item = db.get(MappingItem, self.item_id)
            assert (item.text, item.version) == (self.item_text, self.item_version)
            plan = db.exec(select(FamilyPlan).where(FamilyPlan.family_group_id == setup.id)).first()
            assert (plan.what_we_want if plan else "") == self.section_text

    return TwoEditors


def test_two_people_editing_at_once_never_lose_an_acknowledged_edit(make_client, db, settings):
    totals = {"acknowledged": 0, "conflicts": 0}
    machine = machine_for(make_client, db, settings, totals)
    run_state_machine_as_test(
        machine,
        settings=hypothesis_settings(
            max_examples=40,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
    # The runs did both: edits were saved, and stale ones were shown as conflicts. (About
    # three examples in twelve show a conflict; with twelve in all, one run in twenty or so
    # showed none and failed here with nothing wrong.)
    assert totals["acknowledged"] > 0 and totals["conflicts"] > 0, totals
