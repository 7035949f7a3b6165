"""Who is acting in this request: the user (if signed in), their address and the request id.
Every service that reads or writes family data takes an Actor, so audit rows can say who."""

from __future__ import annotations

from dataclasses import dataclass

from fgdm.accounts.models import User
from fgdm.config import Settings


@dataclass(frozen=True)
class Actor:
    user: User | None
    ip_address: str
    request_id: str
    settings: Settings
    session_id: str | None = None

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user else None

    @property
    def role_label(self) -> str:
        if self.user is None:
            return "anonymous"
        return self.user.staff_role.value if self.user.staff_role else "family"
