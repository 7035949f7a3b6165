"""Subject access (UK GDPR article 15): everything held about a family group, or about one
person in its network, as JSON with a documented schema (docs/export-schema.json) and as
a readable page. Every table that holds family data is found from the schema itself, so
a new table is exported without anyone remembering to add it. Details about third
parties, items kept to practitioners and what a child chose to keep private are not
silently included: they are listed for review, and only what the practitioner ticks is
released. Secrets (hashes, tokens, keys) and staff network addresses never are."""

from __future__ import annotations

import base64
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, select

import fgdm.models  # noqa: F401 - every table, so the schema below is whole
from fgdm.accounts.models import User
from fgdm.audit import service as audit_service
from fgdm.db import NotAllowedHere, NotFound, utcnow
from fgdm.families.service import FamilyAccess
from fgdm.i18n import gettext as _
from fgdm.network.models import Person
from fgdm.network.vocabulary import detail_field_labels
from fgdm.security.actor import Actor

FORMAT = "fgdm-subject-access/1"
# Account tables: who may sign in and how. They are not about a family group (a person's
# own account is exported separately), and hold secrets.
# Tables of accounts and sign-in, not of a family's record (an idempotency key holds only
# a hash of a change a phone sent, and which account sent it).
ACCOUNT_TABLES = frozenset(
    {
        "app_user",
        "team",
        "api_token",
        "recovery_code",
        "user_session",
        "sign_in_attempt",
        "idempotency_key",
    }
)
# Columns never released: secrets, and the network addresses of whoever acted.
WITHHELD_COLUMNS = frozenset({"token_hash", "password_hash", "totp_secret", "code_hash"})
AUDIT_WITHHELD_COLUMNS = frozenset({"ip_address"})
# A child's three houses: seen only by the people the child chose, so reviewed first.
# (A child's views are reviewed when the child kept them to practitioners: see _to_review.)
CHILD_PRIVATE_TABLES = frozenset(
    {"three_houses", "three_houses_viewer", "house_entry", "house_drawing"}
)


class ExportError(ValueError):
    """A choice on the export page that cannot be made; the message says why."""


@dataclass(frozen=True)
class Held:
    """One row listed for review before release, with why."""

    key: str  # "table:id", as ticked on the page
    table: str
    reason: str  # practitioners_only | named_people_only | third_party | child_chose
    summary: str  # what it is, in plain words, for the reviewer


@dataclass
class Gathered:
    """Every family row found, by table, and the ones held for review."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    keys: dict[str, list[str]] = field(default_factory=dict)  # "table:id" of each row
    held: list[Held] = field(default_factory=list)
    user_ids: set[int] = field(default_factory=set)


def _family_tables() -> list[sa.Table]:
    """The tables that hold family data, parents before children (sorted by foreign key)."""
    return [t for t in SQLModel.metadata.sorted_tables if t.name not in ACCOUNT_TABLES]


def _parent_links(table: sa.Table) -> list[tuple[sa.Column, str]]:
    """Foreign keys from a table to other family tables: how a row belongs to a family."""
    links = []
    for column in table.columns:
        for key in column.foreign_keys:
            parent = key.column.table.name
            if parent not in ACCOUNT_TABLES:
                links.append((column, parent))
    return links


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def _row_dict(table: sa.Table, row: sa.Row) -> dict[str, Any]:
    hidden = WITHHELD_COLUMNS | (AUDIT_WITHHELD_COLUMNS if table.name == "audit_event" else set())
    return {key: _plain(value) for key, value in row._mapping.items() if key not in hidden}


def _users_in(table: sa.Table, row: dict[str, Any]) -> set[int]:
    ids = set()
    for column in table.columns:
        for key in column.foreign_keys:
            if key.column.table.name == "app_user" and row.get(column.name):
                ids.add(int(row[column.name]))
    if table.name == "audit_event" and row.get("actor_id"):
        ids.add(int(row["actor_id"]))
    return ids


def gather(session: Session, *, family_id: int, person_id: int | None = None) -> Gathered:
    """Every row of the family group (or, for one person, every row that refers to them and
    what hangs off those rows), with the rows to review marked."""
    found: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
    gathered = Gathered()
    for table in _family_tables():
        condition = None
        if table.name == "family_group":
            condition = table.c.id == family_id
        elif "family_group_id" in table.c:
            condition = table.c.family_group_id == family_id
        links = _parent_links(table)
        parent_conditions = [
            column.in_(list(found[parent]))
            for column, parent in links
            if parent != "family_group" and found.get(parent)
        ]
        if condition is None:
            if not parent_conditions:
                continue
            condition = sa.or_(*parent_conditions)
        if person_id is not None and table.name not in ("family_group", "audit_event"):
            condition = sa.and_(condition, _about_person(table, person_id, found))
        rows = session.execute(sa.select(table).where(condition)).all()
        primary = [c.name for c in table.primary_key.columns]
        for row in rows:
            data = _row_dict(table, row)
            # Rows keyed by their id; rows of link tables by the ids they link.
            key = data[primary[0]] if len(primary) == 1 else "-".join(str(data[c]) for c in primary)
            found[table.name][key] = data
    if person_id is not None:
        _keep_person_audit(found, person_id)
    for name, rows in found.items():
        table = SQLModel.metadata.tables[name]
        gathered.rows[name] = list(rows.values())
        gathered.keys[name] = [f"{name}:{key}" for key in rows]
        for row in rows.values():
            gathered.user_ids |= _users_in(table, row)
    gathered.held = _to_review(session, found, person_id=person_id)
    return gathered


def _about_person(table: sa.Table, person_id: int, found: dict) -> sa.ColumnElement[bool]:
    """Rows that name the person (any column pointing at them) or hang off such a row."""
    parts: list[sa.ColumnElement[bool]] = []
    if table.name == "person":
        parts.append(table.c.id == person_id)
    for column, parent in _parent_links(table):
        if parent == "person":
            parts.append(column == person_id)
        elif parent != "family_group" and found.get(parent):
            parts.append(column.in_(list(found[parent])))
    return sa.or_(*parts) if parts else sa.false()


def _keep_person_audit(found: dict, person_id: int) -> None:
    events = found.get("audit_event", {})
    found["audit_event"] = {
        key: row
        for key, row in events.items()
        if row.get("object_type") == "person" and row.get("object_id") == str(person_id)
    }


def _to_review(session: Session, found: dict, *, person_id: int | None) -> list[Held]:
    held: list[Held] = []
    labels = dict(detail_field_labels())
    people = {p["id"]: p for p in found.get("person", {}).values()}
    for detail in found.get("person_detail", {}).values():
        owner = people.get(detail["person_id"], {})
        name = owner.get("known_as", "")
        if detail["visibility"] == "practitioners":
            reason = "practitioners_only"
        elif detail["visibility"] == "named":
            reason = "named_people_only"
        elif not owner.get("is_child") and detail["person_id"] != person_id:
            reason = "third_party"
        else:
            continue
        held.append(
            Held(
                f"person_detail:{detail['id']}",
                "person_detail",
                reason,
                _("%(field)s of %(name)s")
                % {"field": labels.get(detail["field"], detail["field"]), "name": name},
            )
        )
    for item in found.get("mapping_item", {}).values():
        if not item["shared_with_family"]:
            held.append(
                Held(
                    f"mapping_item:{item['id']}",
                    "mapping_item",
                    "practitioners_only",
                    item["text"][:80],
                )
            )
    # Who must not meet whom, or learn whose address, and why: practitioners' safety
    # planning about third parties, never shown to the family.
    for item in found.get("safety_arrangement", {}).values():
        held.append(
            Held(
                f"safety_arrangement:{item['id']}",
                "safety_arrangement",
                "practitioners_only",
                _("A safety arrangement for family meetings"),
            )
        )
    private_views = {
        key for key, row in found.get("child_view", {}).items() if not row["shared_with_family"]
    }
    for key in sorted(private_views):
        row = found["child_view"][key]
        summary = _("a child's view: %(words)s") % {"words": (row["words"] or _("a drawing"))[:60]}
        held.append(Held(f"child_view:{key}", "child_view", "child_chose", summary))
    for key, row in found.get("child_view_link", {}).items():
        if row["view_id"] in private_views:
            summary = _("the answer to a child's view: %(words)s") % {"words": row["we_did"][:60]}
            held.append(Held(f"child_view_link:{key}", "child_view_link", "child_chose", summary))
    for table in sorted(CHILD_PRIVATE_TABLES):
        for key, row in found.get(table, {}).items():
            held.append(Held(f"{table}:{key}", table, "child_chose", _summary(table, row)))
    return held


def _summary(table: str, row: dict[str, Any]) -> str:
    if table == "house_entry":
        return (row.get("text") or _("a drawing"))[:80]
    if table == "house_drawing":
        return _("a drawing")
    if table == "three_houses_viewer":
        return _("someone the child chose to see their three houses")
    return _("a child's three houses")


@dataclass
class Export:
    document: dict[str, Any]
    withheld: list[Held]


def subjects(session: Session, *, access: FamilyAccess) -> list[Person]:
    """The people of the network an export can be about."""
    return list(
        session.exec(
            select(Person)
            .where(Person.family_group_id == access.family_id)
            .order_by(col(Person.is_child).desc(), col(Person.known_as))
        ).all()
    )


def review(
    session: Session, *, actor: Actor, access: FamilyAccess, person_id: int | None
) -> Gathered:
    """What an export would hold and what needs review, for the review page (practitioners
    only; audited as a view)."""
    _require_practitioner(session, actor, access)
    _check_subject(session, access, person_id)
    gathered = gather(session, family_id=access.family_id, person_id=person_id)
    audit_service.record(
        session,
        actor=actor,
        action="export_review",
        family_group_id=access.family_id,
        object_type="export",
        object_id=person_id or "",
        actor_role=access.role.value,
    )
    return gathered


def make_export(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    person_id: int | None,
    release: set[str],
) -> Export:
    """The export, with only the reviewed rows the practitioner chose to release; the rest
    are named in `withheld` (table, id, why) so the reader knows something was held back."""
    _require_practitioner(session, actor, access)
    subject = _check_subject(session, access, person_id)
    gathered = gather(session, family_id=access.family_id, person_id=person_id)
    withheld = [h for h in gathered.held if h.key not in release]
    out = {h.key for h in withheld}
    # A detail held back takes the list of who may see it with it.
    out_details = {k.split(":")[1] for k in out if k.startswith("person_detail:")}
    records: dict[str, list[dict[str, Any]]] = {}
    for name, rows in gathered.rows.items():
        records[name] = [
            row
            for key, row in zip(gathered.keys[name], rows, strict=True)
            if key not in out
            and not (name == "detail_viewer" and str(row["detail_id"]) in out_details)
        ]
    users = session.exec(select(User).where(col(User.id).in_(sorted(gathered.user_ids)))).all()
    document = {
        "format": FORMAT,
        "made_at": utcnow().isoformat(),
        "made_by": actor.user.display_name if actor.user else "",
        "subject": {
            "kind": "person" if subject else "family_group",
            "family_group_id": access.family_id,
            "family_group_name": access.family.name,
            "person_id": subject.id if subject else None,
            "person_name": subject.known_as if subject else None,
        },
        "people_who_used_the_app": [
            {"id": u.id, "display_name": u.display_name, "staff_role": _plain(u.staff_role)}
            for u in users
        ],
        "records": records,
        "withheld": [{"table": h.table, "key": h.key, "why": h.reason} for h in withheld],
    }
    audit_service.record(
        session,
        actor=actor,
        action="export",
        family_group_id=access.family_id,
        object_type="export",
        object_id=person_id or "",
        actor_role=access.role.value,
        detail=f"released {len(gathered.held) - len(withheld)} of {len(gathered.held)} reviewed",
    )
    return Export(document=document, withheld=withheld)


def _require_practitioner(session: Session, actor: Actor, access: FamilyAccess) -> None:
    if not access.is_practitioner:
        audit_service.record_at_once(
            session.get_bind(),  # type: ignore[arg-type]
            actor=actor,
            action="export",
            family_group_id=access.family_id,
            object_type="export",
            detail=f"role {access.role.value}",
        )
        raise NotAllowedHere(access.family_id)


def _check_subject(session: Session, access: FamilyAccess, person_id: int | None) -> Person | None:
    if person_id is None:
        return None
    person = session.get(Person, person_id)
    if person is None or person.family_group_id != access.family_id:
        raise NotFound(person_id)
    return person
