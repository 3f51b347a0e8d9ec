"""Settings from the environment and `.env`, every one prefixed `LEADLINE_`.

Each setting is documented in `.env.example`. A missing or malformed one is reported
in one line naming it (`settings_error`), so `leadline serve` can stop with that line.
"""

from datetime import date, time
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core.attempts import Cadence, CadenceError
from core.calendar import ScheduleError, WeeklySchedule
from core.errors import InvalidProfile
from core.pipeline import DEFAULT_STAGES, Pipeline, PipelineError
from core.replies import check_template
from core.routing import Strategy
from core.team import MAX_TIER, read_tier


class Settings(BaseSettings):
    """Everything an admin can configure."""

    model_config = SettingsConfigDict(
        env_prefix="LEADLINE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    database_url: str = "sqlite+aiosqlite:///leadline.db"
    http_host: str = "127.0.0.1"
    http_port: int = Field(8080, ge=0, le=65535)
    admins: Annotated[list[int], NoDecode] = Field(default_factory=list)
    phone_region: str | None = None
    timezone: str = "UTC"
    first_response_minutes: float = Field(15, gt=0)
    nudge_share: float = Field(2 / 3, gt=0, lt=1)
    business_hours: str = "always"
    holidays_country: str | None = None
    holidays_subdivision: str | None = None
    closed_dates: Annotated[list[date], NoDecode] = Field(default_factory=list)
    open_dates: Annotated[dict[date, str], NoDecode] = Field(default_factory=dict)
    auto_reassign_minutes: float | None = Field(None, gt=0)
    untaken_limit: int = Field(3, ge=0)
    managers_chat_id: int | None = None
    language: Literal["en", "ru"] = "en"
    after_hours_reply: str | None = None
    acknowledgment: str = ""
    digest_at: time | None = time(9, 0)
    stall_alerts: bool = True
    clock_file: Path | None = None
    routing_strategy: Strategy = Strategy.ROUND_ROBIN
    routing_senior_value: Decimal | None = Field(None, gt=0)
    routing_senior_tier: int = Field(1, ge=0, le=MAX_TIER)
    routing_prefer_previous_owner: bool = True
    attempt_cadence: str = "15m,2h,morning"
    stages: str = ",".join(DEFAULT_STAGES)
    stage_norms: str = ""
    prompt_minutes: float = Field(60, gt=0)
    max_body_bytes: int = Field(64 * 1024, ge=1024)
    poll_timeout: int = Field(30, ge=0, le=50)
    log_level: str = "INFO"
    currency: str = Field("EUR", min_length=1, max_length=8)
    webhook_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    webhook_secret: SecretStr | None = Field(None, validate_default=True)

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.replace(";", ",").split(",")]
            return [part for part in parts if part]
        return value

    @field_validator("webhook_urls", mode="before")
    @classmethod
    def _split_urls(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("webhook_urls")
    @classmethod
    def _check_urls(cls, value: list[str]) -> list[str]:
        for url in value:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"{url!r} must start with http:// or https://")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_for_webhooks(cls, value: SecretStr | None, info: ValidationInfo) -> object:
        if info.data.get("webhook_urls") and not (value and value.get_secret_value()):
            raise ValueError("it is needed to sign webhooks; set a long random string")
        return value

    @field_validator("routing_senior_value", mode="before")
    @classmethod
    def _empty_means_off(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("routing_senior_tier", mode="before")
    @classmethod
    def _tier_by_name(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip().isdigit():
            try:
                return read_tier(value)
            except InvalidProfile:
                raise ValueError("use junior, senior or a number from 0 to 9") from None
        return value

    @field_validator("phone_region")
    @classmethod
    def _check_region(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if len(value) != 2 or not value.isalpha():
            raise ValueError("use a two-letter country code such as US, GB or RU")
        return value.upper()

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use a name like Europe/Berlin"
            ) from None
        return value

    @field_validator(
        "holidays_country",
        "holidays_subdivision",
        "auto_reassign_minutes",
        "managers_chat_id",
        "digest_at",
        "clock_file",
        mode="before",
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("business_hours")
    @classmethod
    def _check_hours(cls, value: str) -> str:
        try:
            return str(WeeklySchedule.parse(value))
        except ScheduleError as exc:
            raise ValueError(str(exc).rstrip(".")) from None

    @field_validator("holidays_country")
    @classmethod
    def _check_country(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().upper()
        _holidays(value, None)
        return value

    @field_validator("holidays_subdivision")
    @classmethod
    def _check_subdivision(cls, value: str | None, info: ValidationInfo) -> str | None:
        country = info.data.get("holidays_country")
        if value is not None and country is None:
            raise ValueError("set LEADLINE_HOLIDAYS_COUNTRY as well")
        if value is not None:
            _holidays(country, value)
        return value

    @field_validator("closed_dates", mode="before")
    @classmethod
    def _split_dates(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
        return value

    @field_validator("open_dates", mode="before")
    @classmethod
    def _split_open_dates(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        days: dict[str, str] = {}
        for part in value.split(";"):
            if part.strip():
                day, _, hours = part.strip().partition(" ")
                if not hours.strip():
                    raise ValueError(
                        f'"{part.strip()}" needs hours, e.g. "2026-12-27 10:00-14:00"'
                    )
                days[day] = _checked_hours(hours.strip())
        return days

    @field_validator("after_hours_reply", "acknowledgment")
    @classmethod
    def _check_reply(cls, value: str | None) -> str | None:
        return value if value is None else check_template(value)

    @field_validator("attempt_cadence")
    @classmethod
    def _check_cadence(cls, value: str) -> str:
        try:
            return str(Cadence.parse(value))
        except CadenceError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("stages")
    @classmethod
    def _check_stages(cls, value: str) -> str:
        try:
            return ",".join(Pipeline.parse(value).stages)
        except PipelineError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("stage_norms")
    @classmethod
    def _check_pipeline(cls, value: str, info: ValidationInfo) -> str:
        if "stages" not in info.data:
            return value  # the stages are wrong; that error is the one to report
        try:
            Pipeline.parse(info.data["stages"], value)
        except PipelineError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _check_api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")


def _holidays(country: str, subdivision: str | None) -> None:
    import holidays

    try:
        holidays.country_holidays(country, subdiv=subdivision)
    except NotImplementedError as exc:
        raise ValueError(f"no public holidays are known for it ({exc})") from None


def _checked_hours(hours: str) -> str:
    try:
        WeeklySchedule.parse(f"mon {hours}")
    except ScheduleError as exc:
        raise ValueError(str(exc).rstrip(".")) from None
    return hours


def settings_error(error: ValidationError) -> str:
    """Say in one line which setting is wrong and why."""
    first = error.errors()[0]
    name = "LEADLINE_" + str(first["loc"][0]).upper() if first["loc"] else "a setting"
    return f"Setting {name} is invalid: {first['msg']}."
