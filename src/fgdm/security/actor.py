"""Who is acting in this request: the user (if signed in), their address and the request id.
Every service that reads or writes family data takes an Actor, so audit rows can say who.
During private family time the meeting tablet acts for the family: its rows say so."""

from __future__ import annotations

from dataclasses import dataclass

from fgdm.accounts.models import User
from fgdm.config import Settings

FAMILY_DEVICE = "family_device"


@dataclass(frozen=True)
class Actor:
    user: User | None
    ip_address: str
    request_id: str
    settings: Settings
    session_id: str | None = None
    # The meeting whose private family time this browser's session was handed over for:
    # the practitioner's account stays signed in, but the family is using the device.
    family_time_meeting_id: int | None = None

    @property
    def on_family_device(self) -> bool:
        return self.family_time_meeting_id is not None

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user else None

    @property
    def role_label(self) -> str:
        if self.user is None:
            return "anonymous"
        if self.on_family_device:
            return FAMILY_DEVICE
        return self.user.staff_role.value if self.user.staff_role else "family"
