"""Settings of the analysis: currency and webhooks."""

import pytest
from pydantic import ValidationError

from bot.settings import Settings, settings_error


def test_webhook_urls_are_split_and_need_a_secret() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, webhook_urls="https://a.example/hook, https://b.example/x")
    settings = Settings(
        _env_file=None,
        webhook_urls="https://a.example/hook, https://b.example/x",
        webhook_secret="k",
    )

    assert settings_error(refused.value) == (
        "Setting LEADLINE_WEBHOOK_SECRET is invalid: "
        "Value error, it is needed to sign webhooks; set a long random string."
    )
    assert settings.webhook_urls == ["https://a.example/hook", "https://b.example/x"]
    assert settings.currency == "EUR"


def test_webhook_urls_must_be_http() -> None:
    with pytest.raises(ValidationError, match="must start with http:// or https://"):
        Settings(_env_file=None, webhook_urls="ftp://a.example", webhook_secret="k")
