"""Reading phone contacts (vCard 3 and 4 files) so a family can add people in a few taps.
Only names and phone numbers are taken; nothing else in the file is kept."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fgdm.i18n import gettext as _

if TYPE_CHECKING:
    import vobject

MAX_BYTES = 1024 * 1024  # a phone's whole address book is far smaller
MAX_CONTACTS = 1000


class VCardError(ValueError):
    """A file that cannot be read as contacts; the message says what to do."""


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str


def _clean_phone(value: str) -> str:
    value = value.strip()
    if value.lower().startswith("tel:"):
        value = value[4:]
    return re.sub(r"[^\d+()\- ]", "", value).strip()[:40]


def _name_of(card: vobject.base.Component) -> str:
    if hasattr(card, "fn") and str(card.fn.value).strip():
        return str(card.fn.value).strip()
    if hasattr(card, "n"):
        n = card.n.value
        parts = [getattr(n, "given", ""), getattr(n, "family", "")]
        return " ".join(str(p).strip() for p in parts if p and str(p).strip())
    return ""


def read_contacts(data: bytes) -> list[Contact]:
    """The contacts in a .vcf file (one or many cards), each with a name and the first
    phone number. Raises VCardError for a file that is too big, not text, or broken."""
    if len(data) > MAX_BYTES:
        raise VCardError(_("That file is too big. Choose a contacts file smaller than 1 MB."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise VCardError(
            _("That file is not a contacts file. Choose a file that ends in .vcf.")
        ) from None
    if "BEGIN:VCARD" not in text.upper():
        raise VCardError(_("That file is not a contacts file. Choose a file that ends in .vcf."))
    # Loaded here, when someone reads their contacts: a tenth of a second of every worker's
    # start otherwise.
    import vobject

    contacts: list[Contact] = []
    try:
        for card in vobject.readComponents(text, validate=False):
            if card.name.upper() != "VCARD":
                continue
            name = _name_of(card)[:80]
            phones = [_clean_phone(str(t.value)) for t in card.contents.get("tel", [])]
            phone = next((p for p in phones if p), "")
            if name:
                contacts.append(Contact(name=name, phone=phone))
            if len(contacts) > MAX_CONTACTS:
                raise VCardError(
                    _("That file has more than 1000 contacts. Choose fewer and try again.")
                )
    except VCardError:
        raise
    except Exception:  # noqa: BLE001 - vobject raises many kinds of error for broken files
        raise VCardError(
            _("We could not read that contacts file. It may be damaged. Try exporting it again.")
        ) from None
    if not contacts:
        raise VCardError(_("We found no contacts with a name in that file."))
    return contacts
