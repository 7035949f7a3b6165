"""Words-and-pictures stories: starting a story for a child, writing its pages, moving and
removing them, and handing out the cleaned pictures only within their family group."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from fgdm.audit import service as audit_service
from fgdm.db import NotAllowedHere, NotFound, StaleEdit, parse_id
from fgdm.families.service import FamilyAccess
from fgdm.i18n import gettext as _
from fgdm.network.models import Person
from fgdm.security.actor import Actor
from fgdm.stories import images
from fgdm.stories.models import TEXT_LIMIT, TITLE_LIMIT, Story, StoryImage, StoryPage
from fgdm.stories.pictograms import Pictogram, get_pictogram


class StoryError(ValueError):
    """Problems with a form, by field, for the page to show beside each field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass
class PageView:
    page: StoryPage
    pictogram: Pictogram | None
    number: int


@dataclass
class StoryView:
    story: Story
    child_name: str
    pages: list[PageView]


def _audit(
    session: Session, actor: Actor, access: FamilyAccess, action: str, object_type: str, oid: object
) -> None:
    """Records a change in the same transaction."""
    audit_service.record(
        session,
        actor=actor,
        action=action,
        family_group_id=access.family_id,
        object_type=object_type,
        object_id=oid,
        actor_role=access.role.value,
    )


def _require_writer(session: Session, actor: Actor, access: FamilyAccess, action: str) -> None:
    """Family members and practitioners write stories; managers only read. A refusal is
    audited in its own transaction, since the request's is rolled back."""
    if access.can_edit:
        return
    audit_service.record_at_once(
        session.get_bind(),  # type: ignore[arg-type]
        actor=actor,
        action=action,
        family_group_id=access.family_id,
        object_type="story",
        object_id=None,
        detail=f"role {access.role.value}",
    )
    raise NotAllowedHere(action)


def children(session: Session, *, access: FamilyAccess) -> list[Person]:
    """The children in this family group's network, whom a story can be for."""
    return list(
        session.exec(
            select(Person)
            .where(Person.family_group_id == access.family_id, col(Person.is_child).is_(True))
            .order_by(col(Person.known_as), col(Person.id))
        )
    )


def list_stories(session: Session, *, access: FamilyAccess) -> list[tuple[Story, str]]:
    """Every story in the family group with the name of the child it is for."""
    rows = session.exec(
        select(Story, Person)
        .join(Person, col(Person.id) == col(Story.child_id))
        .where(Story.family_group_id == access.family_id)
        .order_by(col(Story.created_at), col(Story.id))
    ).all()
    return [(story, person.known_as) for story, person in rows]


def start_story(
    session: Session, *, actor: Actor, access: FamilyAccess, child_id: str, title: str
) -> Story:
    """Starts a story for one child of this family group's network."""
    _require_writer(session, actor, access, "story_start_refused")
    errors: dict[str, str] = {}
    child = None
    if (wanted := parse_id(child_id)) is not None:
        child = session.get(Person, wanted)
    if child is None or child.family_group_id != access.family_id or not child.is_child:
        errors["child_id"] = _("Choose the child this story is for.")
    clean_title = title.strip()
    if not clean_title:
        errors["title"] = _("Give the story a name.")
    elif len(clean_title) > TITLE_LIMIT:
        errors["title"] = _("This must be %(limit)s characters or fewer.") % {"limit": TITLE_LIMIT}
    if errors:
        raise StoryError(errors)
    assert child is not None
    story = Story(
        family_group_id=access.family_id,
        child_id=child.id or 0,
        title=clean_title,
        created_by_id=actor.user_id,
    )
    session.add(story)
    session.flush()
    _audit(session, actor, access, "story_started", "story", story.id)
    return story


def _story(session: Session, access: FamilyAccess, story_id: int) -> Story:
    story = session.get(Story, story_id)
    if story is None or story.family_group_id != access.family_id:
        raise NotFound(story_id)
    return story


def _pages(session: Session, story_id: int) -> list[StoryPage]:
    return list(
        session.exec(
            select(StoryPage)
            .where(StoryPage.story_id == story_id)
            .order_by(col(StoryPage.position), col(StoryPage.id))
        )
    )


def load_story(session: Session, *, actor: Actor, access: FamilyAccess, story_id: int) -> StoryView:
    """A story and its pages in order, for anyone in the family group; records that it was
    viewed, as every read of family data is."""
    story = _story(session, access, story_id)
    _audit(session, actor, access, "view", "story", story.id)
    child = session.get(Person, story.child_id)
    pages = [
        PageView(page=p, pictogram=get_pictogram(p.pictogram) if p.pictogram else None, number=n)
        for n, p in enumerate(_pages(session, story.id or 0), start=1)
    ]
    return StoryView(story=story, child_name=child.known_as if child else "", pages=pages)


def _check_text(text: str) -> dict[str, str]:
    if not text.strip():
        return {"text": _("Write some words for this page.")}
    if len(text.strip()) > TEXT_LIMIT:
        return {"text": _("This must be %(limit)s characters or fewer.") % {"limit": TEXT_LIMIT}}
    return {}


def add_page(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    story_id: int,
    text: str,
    pictogram: str = "",
    upload: bytes | None = None,
    upload_too_big: bool = False,
) -> StoryPage:
    """Adds a page at the end, with a pictogram or a photo of a drawing. The photo is
    checked and cleaned by clean_upload before anything is saved."""
    _require_writer(session, actor, access, "story_page_refused")
    story = _story(session, access, story_id)
    errors = _check_text(text)
    clean: images.CleanImage | None = None
    if upload_too_big:
        errors["photo"] = _(
            "That picture is too big. Choose one smaller than %(megabytes)s MB."
        ) % {"megabytes": f"{images.MAX_BYTES / (1024 * 1024):g}"}
    elif upload:
        try:
            clean = images.clean_upload(upload)
        except images.UploadError as exc:
            errors["photo"] = exc.message
    if clean is None and "photo" not in errors:
        if not pictogram:
            errors["pictogram"] = _("Choose a picture, or add a photo of a drawing.")
        elif get_pictogram(pictogram) is None:
            errors["pictogram"] = _("Choose one of the pictures shown.")
    if errors:
        raise StoryError(errors)
    image_id = None
    if clean is not None:
        image = StoryImage(
            family_group_id=access.family_id,
            content=clean.content,
            mime=clean.mime,
            width=clean.width,
            height=clean.height,
        )
        session.add(image)
        session.flush()
        image_id = image.id
    existing = _pages(session, story_id)
    page = StoryPage(
        story_id=story.id or 0,
        position=(existing[-1].position + 1) if existing else 1,
        text=text.strip(),
        pictogram="" if clean is not None else pictogram,
        image_id=image_id,
    )
    session.add(page)
    session.flush()
    _audit(session, actor, access, "story_page_added", "story_page", page.id)
    return page


def _page(
    session: Session, access: FamilyAccess, story_id: int, page_id: int, version: int
) -> StoryPage:
    _story(session, access, story_id)
    page = session.get(StoryPage, page_id)
    if page is None or page.story_id != story_id:
        raise NotFound(page_id)
    if page.version != version:
        raise StaleEdit(
            what=_("this page"),
            back_url=f"/families/{access.family_id}/stories/{story_id}",
        )
    return page


def update_page(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    story_id: int,
    page_id: int,
    version: int,
    text: str,
) -> StoryPage:
    """Changes the words on a page; a stale version gets the conflict page."""
    _require_writer(session, actor, access, "story_page_refused")
    page = _page(session, access, story_id, page_id, version)
    errors = _check_text(text)
    if errors:
        raise StoryError(errors)
    page.text = text.strip()
    session.add(page)
    session.flush()
    _audit(session, actor, access, "story_page_changed", "story_page", page.id)
    return page


def remove_page(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    story_id: int,
    page_id: int,
    version: int,
) -> None:
    """Takes a page out of the story (and its photo, which nothing else shows)."""
    _require_writer(session, actor, access, "story_page_refused")
    page = _page(session, access, story_id, page_id, version)
    image = session.get(StoryImage, page.image_id) if page.image_id else None
    session.delete(page)
    if image is not None:
        session.delete(image)
    session.flush()
    _audit(session, actor, access, "story_page_removed", "story_page", page_id)


def move_page(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    story_id: int,
    page_id: int,
    version: int,
    direction: str,
) -> None:
    """Swaps a page with the one before ("up") or after ("down")."""
    _require_writer(session, actor, access, "story_page_refused")
    page = _page(session, access, story_id, page_id, version)
    pages = _pages(session, story_id)
    index = next(i for i, p in enumerate(pages) if p.id == page.id)
    other_index = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other_index < len(pages):
        return
    # Renumber the whole story so that equal positions (never expected) cannot stick.
    pages[index], pages[other_index] = pages[other_index], pages[index]
    for position, p in enumerate(pages, start=1):
        if p.position != position:
            p.position = position
            session.add(p)
    session.flush()
    _audit(session, actor, access, "story_page_moved", "story_page", page_id)


def get_image(session: Session, *, access: FamilyAccess, image_id: int) -> StoryImage:
    """A cleaned picture, only for someone in the family group it belongs to."""
    image = session.get(StoryImage, image_id)
    if image is None or image.family_group_id != access.family_id:
        raise NotFound(image_id)
    return image
