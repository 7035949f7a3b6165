"""The stories service: pages in order, moving and removing them, version conflicts, who
may write, and pictures kept within their family group."""

from __future__ import annotations

import pytest
from sqlmodel import select

from fgdm.accounts.models import StaffRole
from fgdm.audit.models import AuditEvent
from fgdm.db import StaleEdit
from fgdm.families import service as families_service
from fgdm.network.models import Person
from fgdm.stories import service as stories_service
from fgdm.stories.models import StoryImage, StoryPage
from tests.factories import actor_for, make_family, make_user
from tests.unit.test_images import picture


@pytest.fixture
def family(db, settings):
    return make_family(db, settings)


def access_of(db, user, family_id):
    access = families_service.get_access(db, user=user, family_group_id=family_id)
    assert access is not None
    return access


def child_of(db, family_id, name="Sam"):
    child = Person(family_group_id=family_id, known_as=name, is_child=True)
    db.add(child)
    db.commit()
    return child


@pytest.fixture
def story(db, settings, family):
    child = child_of(db, family.id)
    story = stories_service.start_story(
        db,
        actor=actor_for(settings, family.parent),
        access=access_of(db, family.parent, family.id),
        child_id=str(child.id),
        title="Our story",
    )
    db.commit()
    return story


def add(db, settings, family, story, text, user=None, **kw):
    user = user or family.parent
    kw.setdefault("pictogram", "star")
    page = stories_service.add_page(
        db,
        actor=actor_for(settings, user),
        access=access_of(db, user, family.id),
        story_id=story.id,
        text=text,
        **kw,
    )
    db.commit()
    return page


def texts(db, settings, family, story):
    view = stories_service.load_story(
        db,
        actor=actor_for(settings, family.parent),
        access=access_of(db, family.parent, family.id),
        story_id=story.id,
    )
    db.commit()
    return [pv.page.text for pv in view.pages]


def move(db, settings, family, story, page, direction):
    db.refresh(page)
    stories_service.move_page(
        db,
        actor=actor_for(settings, family.parent),
        access=access_of(db, family.parent, family.id),
        story_id=story.id,
        page_id=page.id,
        version=page.version,
        direction=direction,
    )
    db.commit()


def test_pages_come_in_the_order_they_were_added(db, settings, family, story):
    for text in ("One", "Two", "Three"):
        add(db, settings, family, story, text)
    assert texts(db, settings, family, story) == ["One", "Two", "Three"]


def test_moving_a_page_up_and_down_swaps_it_with_its_neighbour(db, settings, family, story):
    one, two, three = (add(db, settings, family, story, t) for t in ("One", "Two", "Three"))
    move(db, settings, family, story, three, "up")
    assert texts(db, settings, family, story) == ["One", "Three", "Two"]
    move(db, settings, family, story, one, "down")
    assert texts(db, settings, family, story) == ["Three", "One", "Two"]


def test_moving_the_first_page_up_changes_nothing(db, settings, family, story):
    one = add(db, settings, family, story, "One")
    add(db, settings, family, story, "Two")
    move(db, settings, family, story, one, "up")
    assert texts(db, settings, family, story) == ["One", "Two"]


def test_removing_a_page_removes_its_photo_too(db, settings, family, story):
    add(db, settings, family, story, "Keep")
    drawn = add(db, settings, family, story, "Drawn", pictogram="", upload=picture("PNG"))
    assert drawn.image_id is not None
    stories_service.remove_page(
        db,
        actor=actor_for(settings, family.parent),
        access=access_of(db, family.parent, family.id),
        story_id=story.id,
        page_id=drawn.id,
        version=drawn.version,
    )
    db.commit()
    assert texts(db, settings, family, story) == ["Keep"]
    assert db.exec(select(StoryImage)).all() == []
    actions = db.exec(select(AuditEvent.action)).all()
    assert "story_page_removed" in actions


def test_a_stale_version_is_refused_and_nothing_changes(db, settings, family, story):
    page = add(db, settings, family, story, "First words")
    access = access_of(db, family.parent, family.id)
    actor = actor_for(settings, family.parent)
    stories_service.update_page(
        db,
        actor=actor,
        access=access,
        story_id=story.id,
        page_id=page.id,
        version=1,
        text="Second words",
    )
    db.commit()
    with pytest.raises(StaleEdit):
        stories_service.update_page(
            db,
            actor=actor,
            access=access,
            story_id=story.id,
            page_id=page.id,
            version=1,
            text="Late words",
        )
    with pytest.raises(StaleEdit):
        stories_service.remove_page(
            db, actor=actor, access=access, story_id=story.id, page_id=page.id, version=1
        )
    db.rollback()
    assert texts(db, settings, family, story) == ["Second words"]


def test_a_practitioner_and_the_young_person_may_write(db, settings, family, story):
    add(db, settings, family, story, "By the worker", user=family.practitioner)
    add(db, settings, family, story, "By me", user=family.young_person)
    assert texts(db, settings, family, story) == ["By the worker", "By me"]


def test_a_manager_reads_but_may_not_write(db, settings, family, story):
    add(db, settings, family, story, "Words")
    manager = make_user(db, settings, role=StaffRole.manager)
    access = access_of(db, manager, family.id)
    view = stories_service.load_story(
        db, actor=actor_for(settings, manager), access=access, story_id=story.id
    )
    assert [pv.page.text for pv in view.pages] == ["Words"]
    db.commit()
    with pytest.raises(stories_service.NotAllowedHere):
        add(db, settings, family, story, "Manager words", user=manager)
    db.rollback()
    refusals = db.exec(select(AuditEvent).where(AuditEvent.action == "story_page_refused")).all()
    assert len(refusals) == 1
    views = db.exec(
        select(AuditEvent).where(AuditEvent.action == "view", AuditEvent.object_type == "story")
    ).all()
    assert [v.actor_role for v in views] == ["manager"]
    assert db.exec(select(StoryPage.text)).all() == ["Words"]


def test_a_story_and_its_pictures_are_not_found_from_another_family(db, settings, family, story):
    drawn = add(db, settings, family, story, "Drawn", pictogram="", upload=picture("PNG"))
    other = make_family(db, settings, name="Another family")
    theirs = access_of(db, other.parent, other.id)
    with pytest.raises(stories_service.NotFound):
        stories_service.load_story(
            db, actor=actor_for(settings, other.parent), access=theirs, story_id=story.id
        )
    with pytest.raises(stories_service.NotFound):
        stories_service.get_image(db, access=theirs, image_id=drawn.image_id)
    ours = access_of(db, family.parent, family.id)
    assert stories_service.get_image(db, access=ours, image_id=drawn.image_id).mime == "image/png"


def test_an_unknown_pictogram_is_refused(db, settings, family, story):
    with pytest.raises(stories_service.StoryError) as caught:
        add(db, settings, family, story, "Words", pictogram="../../etc/passwd")
    assert "pictogram" in caught.value.errors
