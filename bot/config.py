"""Typed settings: bot.toml tables as pydantic models, overridden by MOTCUA_<TABLE>__<KEY>."""

from __future__ import annotations

import ipaddress
import os
import secrets
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

if TYPE_CHECKING:
    from handlers.dossiers.calendar import WorkCalendar

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "bot.toml"  # in a source checkout; an installed copy has none


class StartupError(RuntimeError):
    """A setting or a resource that makes starting pointless; the message says what to set."""


def default_config() -> Path:
    """bot.toml beside the packages (a source checkout), else the working folder's (an
    installed copy, which may run without one: every setting has a default)."""
    return DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else Path.cwd() / "bot.toml"


class KnowledgeSettings(BaseModel):
    # Empty: the national export shipped in knowledge/data/ (knowledge.shipped).
    paths: list[Path] = Field(default_factory=list)
    popularity: Path | None = None  # empty: the shipped ranking
    portal_url: str = "https://dichvucong.gov.vn"
    # The prebuilt search index (knowledge.cache): "" = the user's cache folder
    # ($XDG_CACHE_HOME/motcua or ~/.cache/motcua), "off" = build it at every start.
    cache_dir: str = ""

    @field_validator("popularity", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value


EMBEDDED_DATABASE_URL = "sqlite+aiosqlite:///var/motcua.db"
DEMO_DATABASE_URL = "sqlite+aiosqlite:///var/demo.db"  # demo dossiers never mix with real ones


class DatabaseSettings(BaseModel):
    url: str = EMBEDDED_DATABASE_URL


class WebSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = ""
    per_ip_per_minute: int = 120  # web chat messages per client address; 0 turns it off
    # Proxies (addresses or networks) whose X-Forwarded-For is believed; nobody else's is.
    trusted_proxies: list[str] = Field(default_factory=list)
    max_in_flight: int = 64  # requests at work at once; past it 503 + Retry-After
    image_decodes: int = 2  # photos decoded at once (each may take up to 64 MB)

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for item in value:
            ipaddress.ip_network(item.strip(), strict=False)  # ValueError: a clear config error
        return [item.strip() for item in value]


class TelegramSettings(BaseModel):
    token: SecretStr = SecretStr("")
    api_base: str = ""
    username: str = ""
    webhook_secret: SecretStr = SecretStr("")


class ZaloSettings(BaseModel):
    app_id: str = ""
    oa_secret_key: SecretStr = SecretStr("")
    app_secret_key: SecretStr = SecretStr("")
    access_token: SecretStr = SecretStr("")
    refresh_token: SecretStr = SecretStr("")
    api_base: str = "https://openapi.zalo.me"
    oauth_base: str = "https://oauth.zaloapp.com"
    zns_base: str = "https://business.openapi.zalo.me"
    zns_templates: dict[str, str] = Field(default_factory=dict)
    replay_window_s: int = 300

    @property
    def enabled(self) -> bool:
        return bool(self.app_id and self.oa_secret_key.get_secret_value())


class SecuritySettings(BaseModel):
    signing_key: SecretStr = SecretStr("")
    token_days: int = 180  # a receipt QR token is valid this many days from its issue day
    max_subscribers_per_dossier: int = 5


class ApiSettings(BaseModel):
    token: SecretStr = SecretStr("")


class LookupSettings(BaseModel):
    # Per client address (web chat) or platform user (Telegram, Zalo), never per session id.
    per_user_per_minute: int = 10  # dossiers shown by code alone in any 60 s; then proof
    per_user_per_day: int = 60
    failures_per_hour: int = 12  # unknown codes, forged tokens: then refused for a while
    storm_failures_per_minute: int = 120  # all clients: past it, those that failed need proof


_WORKDAY = ["07:30-11:30", "13:30-17:00"]


class OfficeHoursSettings(BaseModel):
    """Office periods per weekday ("HH:MM-HH:MM"); a weekend day with periods receives
    dossiers (Saturday mornings) without counting as a working day."""

    mon: list[str] = Field(default_factory=lambda: list(_WORKDAY))
    tue: list[str] = Field(default_factory=lambda: list(_WORKDAY))
    wed: list[str] = Field(default_factory=lambda: list(_WORKDAY))
    thu: list[str] = Field(default_factory=lambda: list(_WORKDAY))
    fri: list[str] = Field(default_factory=lambda: list(_WORKDAY))
    sat: list[str] = Field(default_factory=list)
    sun: list[str] = Field(default_factory=list)

    @field_validator("*")
    @classmethod
    def _periods(cls, value: list[str]) -> list[str]:
        from handlers.dossiers.calendar import parse_periods

        parse_periods(value)  # refuse a bad table at start, with the period named
        return value

    def by_weekday(self) -> dict[int, list[str]]:
        days = (self.mon, self.tue, self.wed, self.thu, self.fri, self.sat, self.sun)
        return dict(enumerate(days))


class CalendarSettings(BaseModel):
    timezone: str = "Asia/Ho_Chi_Minh"
    extra_days_off: list[date] = Field(default_factory=list)
    makeup_working_days: list[date] = Field(default_factory=list)
    office_hours: OfficeHoursSettings = Field(default_factory=OfficeHoursSettings)
    # "pause": after a supplement the time already spent counts; "restart": counted afresh.
    supplement_clock: Literal["pause", "restart"] = "pause"

    def work_calendar(self) -> WorkCalendar:
        """The one WorkCalendar these settings describe (every caller builds it here)."""
        from handlers.dossiers.calendar import WorkCalendar, parse_periods

        hours = {day: parse_periods(p) for day, p in self.office_hours.by_weekday().items()}
        return WorkCalendar(
            self.timezone, self.extra_days_off, self.makeup_working_days, office_hours=hours
        )


class AgencySettings(BaseModel):
    name: str = "Bộ phận Một cửa"
    contact: str = "Bộ phận Một cửa"
    collect_place: str = "Bộ phận Một cửa nơi ông/bà đã nộp hồ sơ"


class NotificationSettings(BaseModel):
    quiet_hours: str = "21:00-07:00"
    legal_reference: str = "Nghị định số 118/2025/NĐ-CP của Chính phủ"
    telegram_per_second: float = 30
    telegram_per_chat_interval_s: float = 1.0
    zalo_per_minute: int = 4000
    max_attempts: int = 8
    collect_reminder_working_days: int = 3
    poll_interval_s: float = 10
    rules_interval_s: float = 60
    lease_s: float = 120
    concurrency: int = 4


class RedisSettings(BaseModel):
    url: str = ""


class StaffSettings(BaseModel):
    """The staff console (/staff/) and the hand-off desk."""

    idle_timeout_min: int = 30  # a session unused this long ends
    max_session_hours: int = 12  # and every session ends after this, used or not
    login_failures_per_account: int = 5  # per 15 minutes, then the account waits
    login_failures_per_address: int = 20  # per 15 minutes, per client address
    handoffs_per_user_per_day: int = 3  # tickets a citizen may open a day
    handoffs_per_channel_per_hour: int = 100  # a flood of tickets cannot bury the desk


class PrivacySettings(BaseModel):
    """How long personal data is kept ([privacy]; docs/deploy.md)."""

    # Days a closed dossier keeps its personal fields (name, phone, notes, followers, what
    # was pushed to them), and a closed hand-off ticket its conversation; 0 keeps them.
    retention_days: int = 180
    # Days the core's per-user conversation state is kept after its last message, and a web
    # chat's inbox (answers waiting for the page); 0 keeps them.
    conversation_days: int = 30


class Settings(BaseSettings):
    """All settings; build with :func:`load_settings`, never at import time."""

    model_config = SettingsConfigDict(
        env_prefix="MOTCUA_", env_nested_delimiter="__", extra="ignore"
    )

    knowledge: KnowledgeSettings = Field(default_factory=KnowledgeSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    zalo: ZaloSettings = Field(default_factory=ZaloSettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    lookup: LookupSettings = Field(default_factory=LookupSettings)
    calendar: CalendarSettings = Field(default_factory=CalendarSettings)
    agency: AgencySettings = Field(default_factory=AgencySettings)
    notifications: NotificationSettings = Field(default_factory=NotificationSettings)
    redis: RedisSettings = Field(default_factory=RedisSettings)
    staff: StaffSettings = Field(default_factory=StaffSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)

    # Where the TOML file lives; relative paths in it are resolved against this folder.
    base_dir: Path = PROJECT_ROOT

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = os.environ.get("MOTCUA_CONFIG_FILE") or str(default_config())
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=toml_file),
        )

    def resolve(self, path: Path) -> Path:
        return path if path.is_absolute() else (self.base_dir / path).resolve()

    @property
    def var_dir(self) -> Path:
        return self.base_dir / "var"

    def database_url(self) -> str:
        """The database URL with a relative SQLite path anchored at the config folder."""
        url = self.database.url
        prefix = "sqlite+aiosqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
            return prefix + str(self.resolve(Path(url[len(prefix) :])))
        return url

    def signing_key(self) -> bytes:
        """The HMAC key: from the environment/config, else (the embedded SQLite setup, one
        machine) a random one kept in var/. A shared database means several machines, which
        must all verify the codes any of them printed: the key is then required."""
        key = self.security.signing_key.get_secret_value()
        if key:
            return key.encode()
        if not self.database_url().startswith("sqlite"):
            raise StartupError(
                "a shared database needs one signing key for the whole deployment: set "
                'MOTCUA_SECURITY__SIGNING_KEY (e.g. `python3 -c "import secrets; '
                'print(secrets.token_urlsafe(32))"`) to the same value on every replica'
            )
        path = self.var_dir / "signing.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(32))
            path.chmod(0o600)
        return path.read_text().strip().encode()


def load_settings(config: Path | None = None, **overrides: Any) -> Settings:
    """Read the TOML file (default: bot.toml beside the packages) and the environment once."""
    path = (config or Path(os.environ.get("MOTCUA_CONFIG_FILE") or default_config())).resolve()
    previous = os.environ.get("MOTCUA_CONFIG_FILE")
    os.environ["MOTCUA_CONFIG_FILE"] = str(path)
    try:
        settings = Settings(base_dir=path.parent, **overrides)
    finally:
        if previous is None:
            os.environ.pop("MOTCUA_CONFIG_FILE", None)
        else:
            os.environ["MOTCUA_CONFIG_FILE"] = previous
    from knowledge import shipped

    knowledge = settings.knowledge
    knowledge.paths = [settings.resolve(p) for p in knowledge.paths] or shipped.export_paths()
    knowledge.popularity = (
        settings.resolve(knowledge.popularity)
        if knowledge.popularity is not None
        else shipped.popularity_path()  # the portal's ranking fits any national export
    )
    return settings


def for_demo(settings: Settings) -> Settings:
    """``--demo`` on the embedded default database runs on var/demo.db instead (any other
    database is checked by bootstrap: it must hold no real dossiers)."""
    if settings.database.url == EMBEDDED_DATABASE_URL:
        settings.database.url = DEMO_DATABASE_URL
    return settings


def index_cache_dir(settings: Settings) -> Path | None:
    """Where the prebuilt search index is kept (None: not kept)."""
    configured = settings.knowledge.cache_dir.strip()
    if configured.lower() == "off":
        return None
    if configured:
        return settings.resolve(Path(configured))
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # no home folder (a bare service account): build every time
            return None
    return Path(base) / "motcua"
