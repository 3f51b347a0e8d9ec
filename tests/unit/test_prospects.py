"""Tests for prospects who write to the bot: their lead, its source, the relay, the phone."""

from core.capturing import Outcome
from core.events import EventKind
from core.leads import Channel, Inquiry
from core.notices import Template
from core.prospects import ACKNOWLEDGEMENT, PHONE_THANKS
from core.services import Action, Services, Tap
from core.team import Role
from tests.unit.conftest import Hire, Team
from tests.unit.fakes import FakeStore

CHAT = 4242


async def test_first_message_opens_a_telegram_lead_and_is_acknowledged(
    services: Services, store: FakeStore, team: Team
) -> None:
    captured = await services.prospect_wrote(CHAT, "Olga K", "Do you deliver to Kazan?")

    lead = store.lead(captured.lead_id)
    assert captured.outcome is Outcome.CREATED
    assert (lead.channel, lead.name, lead.telegram_chat_id, lead.message) == (
        Channel.TELEGRAM,
        "Olga K",
        CHAT,
        "Do you deliver to Kazan?",
    )
    assert (lead.owner_id, lead.phone, lead.email) == (team.anna.id, None, None)
    said = [(n.chat_id, n.template, n.data) for n in store.notices]
    assert said == [
        (team.anna.chat_id, Template.LEAD_ALERT, {}),
        (CHAT, Template.TEXT, {"text": ACKNOWLEDGEMENT}),
    ]


async def test_start_payload_naming_a_source_tags_the_lead_with_it(
    services: Services, store: FakeStore, team: Team
) -> None:
    source, _ = await services.add_source("instagram", "telegram")
    await services.prospect_started(CHAT, "instagram")

    captured = await services.prospect_wrote(CHAT, "Olga", "Hi")

    assert store.lead(captured.lead_id).source_id == source.id


async def test_start_payload_naming_no_source_is_kept_as_utm_source(
    services: Services, store: FakeStore, team: Team
) -> None:
    await services.prospect_started(CHAT, "flyer_march")

    captured = await services.prospect_wrote(CHAT, "Olga", "Hi")

    lead = store.lead(captured.lead_id)
    assert (lead.source_id, lead.utm) == (None, {"utm_source": "flyer_march"})


async def test_start_tag_is_used_for_one_lead_only(
    services: Services, store: FakeStore, team: Team
) -> None:
    await services.prospect_started(CHAT, "flyer_march")
    first = await services.prospect_wrote(CHAT, "Olga", "Hi")
    lead = store.lead(first.lead_id)
    await services.tap(
        Tap(team.anna.telegram_id, lead.id, Action.LOSS_REASON, lead.version, 7002, 1, "no_need")
    )

    again = await services.prospect_wrote(CHAT, "Olga", "Back again")

    assert store.lead(first.lead_id).utm == {"utm_source": "flyer_march"}
    assert store.lead(again.lead_id).utm == {}


async def test_later_messages_join_the_open_lead_and_reach_its_owner(
    services: Services, store: FakeStore, team: Team
) -> None:
    first = await services.prospect_wrote(CHAT, "Olga", "Hi")
    version = store.lead(first.lead_id).version

    again = await services.prospect_wrote(CHAT, "Olga", "Are you there?")

    assert (again.lead_id, again.outcome) == (first.lead_id, Outcome.MERGED)
    assert len(store.leads) == 1
    wrote = store.events_of(first.lead_id)[-1]
    assert (wrote.kind, wrote.actor_id, wrote.data) == (
        EventKind.PROSPECT_WROTE,
        None,
        {"text": "Are you there?"},
    )
    relay = store.notices[-1]
    assert (relay.chat_id, relay.template, relay.data) == (
        team.anna.chat_id,
        Template.PROSPECT_MESSAGE,
        {"text": "Are you there?"},
    )
    assert store.lead(first.lead_id).version == version
    assert [n.chat_id for n in store.notices].count(CHAT) == 1


async def test_message_to_a_lead_without_owner_reaches_the_managers(
    services: Services, store: FakeStore, hire: Hire
) -> None:
    maria = hire("Maria", Role.MANAGER)
    first = await services.prospect_wrote(CHAT, "Olga", "Hi")

    await services.prospect_wrote(CHAT, "Olga", "Hello?")

    assert store.lead(first.lead_id).owner_id is None
    assert (store.notices[-1].chat_id, store.notices[-1].template) == (
        maria.chat_id,
        Template.PROSPECT_MESSAGE,
    )


async def test_prospect_who_writes_after_the_lead_closed_gets_a_new_lead_with_the_same_owner(
    services: Services, store: FakeStore, team: Team
) -> None:
    first = await services.prospect_wrote(CHAT, "Olga", "Hi")
    lead = store.lead(first.lead_id)
    await services.tap(
        Tap(team.anna.telegram_id, lead.id, Action.LOSS_REASON, lead.version, 7002, 1, "no_need")
    )

    again = await services.prospect_wrote(CHAT, "Olga", "Actually, we need it now")

    assert again.outcome is Outcome.CREATED
    assert again.lead_id != first.lead_id
    assert again.owner_id == team.anna.id


async def test_shared_phone_is_stored_on_the_open_lead_and_the_owner_told(
    services: Services, store: FakeStore, team: Team
) -> None:
    first = await services.prospect_wrote(CHAT, "Olga", "Hi")
    store.add_card(first.lead_id, team.anna.chat_id, 500)

    await services.prospect_shared_phone(CHAT, "Olga", "+79161234567")

    lead = store.lead(first.lead_id)
    assert lead.phone == "+79161234567"
    assert store.events_of(lead.id)[-1].data == {"phone": "+79161234567", "previous": None}
    said = [(n.chat_id, n.template, n.edit_message_id) for n in store.notices[-3:]]
    assert said == [
        (team.anna.chat_id, Template.TEXT, None),
        (team.anna.chat_id, Template.CARD, 500),
        (CHAT, Template.TEXT, None),
    ]
    assert store.notices[-1].data == {"text": PHONE_THANKS}


async def test_phone_shared_before_any_message_opens_the_lead(
    services: Services, store: FakeStore, team: Team
) -> None:
    captured = await services.prospect_shared_phone(CHAT, "Olga", "+79161234567")

    lead = store.lead(captured.lead_id)
    assert (lead.phone, lead.telegram_chat_id, lead.channel) == (
        "+79161234567",
        CHAT,
        Channel.TELEGRAM,
    )


async def test_prospect_whose_phone_has_an_open_lead_joins_it_and_can_be_written_to(
    services: Services, store: FakeStore, team: Team
) -> None:
    web = await services.capture(Inquiry(Channel.FORM, name="Olga", phone="+79161234567"))

    captured = await services.prospect_shared_phone(CHAT, "Olga", "+79161234567")
    again = await services.prospect_wrote(CHAT, "Olga", "It's me from the form")

    assert captured.lead_id == again.lead_id == web.lead_id
    assert store.lead(web.lead_id).telegram_chat_id == CHAT
    assert store.kinds_of(web.lead_id)[-1] is EventKind.PROSPECT_WROTE


async def test_invite_codes_are_told_apart_from_source_tags(
    services: Services, team: Team
) -> None:
    invite = await services.invite(team.maria.telegram_id)

    assert await services.is_invite_code(invite.code)
    assert not await services.is_invite_code("instagram")
