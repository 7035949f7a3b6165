"""Settings for fgdm, read once from the environment (FGDM_* and DATABASE_URL)."""

from __future__ import annotations

import secrets
from enum import StrEnum
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Environment(StrEnum):
    development = "development"
    production = "production"
    test = "test"


class ConfigError(RuntimeError):
    """A setting that makes it unsafe to start; the message says what to do."""


def _default_database_url() -> str:
    return f"sqlite:///{Path.cwd() / 'instance' / 'fgdm.db'}"


class Settings(BaseSettings):
    """Every setting the app reads; one object, built by create_app or the CLI."""

    model_config = SettingsConfigDict(env_prefix="FGDM_", extra="ignore")

    env: Environment = Environment.development
    secret_key: str | None = None
    database_url: str = Field(
        default_factory=_default_database_url,
        validation_alias=AliasChoices("DATABASE_URL", "FGDM_DATABASE_URL"),
    )
    instance_dir: Path = Field(default_factory=lambda: Path.cwd() / "instance")
    demo: bool = False

    # Sessions
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    session_warning_seconds: int = 120

    # Invites and sign-in throttling
    invite_valid_days: int = 7
    login_max_failures: int = 5
    login_window_minutes: int = 15

    # Passphrase hashing cost (OWASP argon2id minimum: 19 MiB, 2 passes)
    argon2_memory_kib: int = 19456
    argon2_time_cost: int = 2

    # Signs of Safety: how many trusted adults a safety network should have
    safety_network_minimum: int = 5

    # Requests each worker serves at once, and the database connections it keeps for them.
    # A worker is one Python process: two at once keep it busy while one waits on the
    # database; more only share its processor, and each request that comes back from the
    # database waits its turn for it. Side by side on PostgreSQL (bench, 7 December) the
    # p95 was 68-93 ms with 2, 96-146 ms with 4 and 92 ms with 1; on SQLite 51 and 54 ms.
    db_pool_size: int = 2

    # Two-step sign-in for staff: always required in production; set to require it
    # elsewhere too (staff can always turn it on for themselves).
    staff_two_factor: bool = False
    two_factor_pending_minutes: int = 10

    # Retention (`fgdm purge`): the council decides these periods, as data controller
    retention_years_after_closing: int = Field(default=7, ge=1)
    audit_retention_years: int = Field(default=7, ge=1)
    sign_in_record_days: int = Field(default=30, ge=1)
    family_account_idle_days: int = Field(default=90, ge=1)

    @property
    def is_production(self) -> bool:
        return self.env == Environment.production

    @property
    def staff_two_factor_required(self) -> bool:
        return self.is_production or self.staff_two_factor

    @property
    def secure_cookies(self) -> bool:
        return self.is_production

    @property
    def session_cookie_name(self) -> str:
        return "__Host-fgdm_session" if self.secure_cookies else "fgdm_session"

    @property
    def csrf_cookie_name(self) -> str:
        return "__Host-fgdm_csrf" if self.secure_cookies else "fgdm_csrf"

    @property
    def migrations_dir(self) -> Path:
        here = PROJECT_ROOT / "migrations"
        return here if here.is_dir() else Path.cwd() / "migrations"

    def check_safe_to_start(self) -> None:
        """Refuses settings that would be unsafe in production, with one line saying why."""
        if not self.is_production:
            return
        if not self.secret_key or len(self.secret_key) < 32:
            raise ConfigError(
                "FGDM_SECRET_KEY is not set (or shorter than 32 characters): set it to a long "
                "random value, for example the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )
        if self.demo:
            raise ConfigError(
                "FGDM_DEMO is switched on in production: unset FGDM_DEMO; demo data must "
                "never sit beside real families' records."
            )

    def resolved_secret_key(self) -> str:
        """The signing key; outside production one is kept in the instance folder."""
        if self.secret_key:
            return self.secret_key
        if self.is_production:
            raise ConfigError("FGDM_SECRET_KEY is not set.")
        key_file = self.instance_dir / "secret_key"
        if key_file.exists():
            return key_file.read_text().strip()
        self.instance_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key
