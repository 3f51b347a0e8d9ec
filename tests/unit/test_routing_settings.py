"""The routing settings as an admin writes them in `.env`, and the rules they make."""

from decimal import Decimal

import pytest
from pydantic import ValidationError

from bot.app import rules_from
from bot.settings import Settings, settings_error
from core.routing import RoutingPolicy, Strategy


def settings(**values: str) -> Settings:
    """Read settings from the given environment-style values only."""
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_routing_defaults_to_round_robin_without_a_threshold() -> None:
    assert rules_from(settings()).routing == RoutingPolicy()


def test_routing_settings_make_the_teams_policy() -> None:
    chosen = settings(
        routing_strategy="weighted",
        routing_senior_value="25000",
        routing_senior_tier="senior",
        routing_prefer_previous_owner="false",
    )

    assert rules_from(chosen).routing == RoutingPolicy(
        Strategy.WEIGHTED, Decimal(25_000), senior_tier=1, prefer_previous_owner=False
    )


@pytest.mark.parametrize(("written", "tier"), [("junior", 0), ("2", 2), ("Senior", 1)])
def test_senior_tier_is_read_by_name_or_number(written: str, tier: int) -> None:
    assert settings(routing_senior_tier=written).routing_senior_tier == tier


def test_an_empty_senior_value_means_no_threshold() -> None:
    assert settings(routing_senior_value="").routing_senior_value is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("routing_strategy", "random"),
        ("routing_senior_tier", "boss"),
        ("routing_senior_value", "-5"),
    ],
)
def test_a_malformed_routing_setting_is_named(name: str, value: str) -> None:
    with pytest.raises(ValidationError) as refused:
        settings(**{name: value})

    assert f"LEADLINE_{name.upper()}" in settings_error(refused.value)
