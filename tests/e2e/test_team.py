"""The team end to end: set up by `leadline team`, then `leadline serve` as a process.

Leads come in over HTTP; reps and the manager act in the fake Bot API.
"""

from tests.e2e.conftest import MANAGER_ID, Leadline
from tests.e2e.test_first_lead import post_lead
from tests.fake_telegram import FakeTelegram, RecordedMessage

ROMAN, OLGA = 7001, 7002


def set_up(leadline: Leadline, *commands: str) -> list[str]:
    """Run `leadline team` commands; return what each printed."""
    printed = []
    for command in commands:
        done = leadline.run("team", *command.split())
        assert done.returncode == 0, done.stderr
        printed.append(done.stdout.strip())
    return printed


async def tap(fake: FakeTelegram, user_id: int, message: RecordedMessage, label: str) -> str:
    """Press a button as a user and return the toast."""
    query = fake.press_button(fake.user(user_id, str(user_id)), message, label)
    return (await fake.wait_for_answer(query, timeout=10)).text


def test_the_team_is_set_up_and_listed_by_script(leadline: Leadline) -> None:
    printed = set_up(
        leadline,
        "add 7001 Roman --products roofs,doors --capacity 10 --tier senior",
        "add 7002 Olga --regions north --weight 2",
        "set 7002 --leave-until 2099-01-31",
        "pause Roman",
    )
    listed = leadline.run("team", "list").stdout.splitlines()
    missing = leadline.run("team", "deactivate", "nobody")

    assert printed == [
        "Added Roman as a rep (member 1).",
        "Added Olga as a rep (member 2).",
        "Olga: on leave until 31.01.2099.",
        "Roman: paused.",
    ]
    assert listed[0].split() == [
        "id", "telegram", "name", "role", "status", "open", "cap", "w", "tier", "products",
        "regions", "today",
    ]  # fmt: skip
    assert listed[1].split()[:9] == [
        "1",
        "7001",
        "Roman",
        "rep",
        "paused",
        "0",
        "10",
        "1",
        "senior",
    ]
    assert "on leave until 31.01.2099" in listed[2]
    assert missing.returncode == 1
    assert missing.stderr.strip().endswith(
        "Nobody on the team is 'nobody'; see `leadline team list`."
    )


async def test_manager_assigns_an_unassigned_lead_with_a_button(
    fake_telegram: FakeTelegram, leadline: Leadline
) -> None:
    set_up(leadline, "add 7001 Roman --products roofs")
    token = leadline.add_source("landing")
    await leadline.start()

    response = await post_lead(leadline, token, product="doors")
    alert = await fake_telegram.wait_for_message(MANAGER_ID, contains="no owner", timeout=10)
    toast = await tap(fake_telegram, MANAGER_ID, alert, "👤 Roman · other products")
    romans = await fake_telegram.wait_for_message(ROMAN, contains="New lead for you", timeout=10)
    await leadline.stop()

    assert response.status_code == 201
    assert "Why: no rep for product doors" in alert.text
    assert toast == "Assigned to Roman."
    assert "Assigned to you by" in romans.text
    assert leadline.query("SELECT owner_id FROM leads") == [(1,)]
    history = "SELECT kind, json_extract(data, '$.reason') FROM events WHERE lead_id = 1"
    assert leadline.query(history) == [
        ("captured", None),
        ("unassigned", "no rep for product doors"),
        ("assigned", "assigned by a manager (other products)"),
    ]


async def test_paused_rep_gets_nothing_until_resume(
    fake_telegram: FakeTelegram, leadline: Leadline
) -> None:
    set_up(leadline, "add 7001 Roman")
    token = leadline.add_source("landing")
    await leadline.start()
    roman = fake_telegram.user(ROMAN, "Roman")

    fake_telegram.send_message(roman, "/pause")
    await fake_telegram.wait_for_message(ROMAN, contains="Paused", timeout=10)
    await post_lead(leadline, token)
    await fake_telegram.wait_for_message(MANAGER_ID, contains="no owner", timeout=10)
    while_paused = [m.text for m in fake_telegram.messages(ROMAN)]
    fake_telegram.send_message(roman, "/resume")
    resumed = await fake_telegram.wait_for_message(ROMAN, contains="Resumed", timeout=10)
    alert = await fake_telegram.wait_for_message(ROMAN, contains="New lead for you", timeout=10)
    await leadline.stop()

    assert len(while_paused) == 1
    assert resumed.text.endswith("1 waiting lead came to you.")
    assert "Lead #1" in alert.text
    assert leadline.query("SELECT owner_id FROM leads") == [(1,)]


async def test_deactivated_reps_leads_are_redistributed_and_the_manager_told(
    fake_telegram: FakeTelegram, leadline: Leadline
) -> None:
    set_up(leadline, "add 7001 Roman", "add 7002 Olga")
    token = leadline.add_source("landing")
    await leadline.start()
    for number in range(3):
        await post_lead(leadline, token, phone=f"+49151123456{number:02d}")
    await fake_telegram.wait_for_message(OLGA, contains="New lead for you", timeout=10)
    manager = fake_telegram.user(MANAGER_ID, "Mira")

    fake_telegram.send_message(manager, "/team")
    page = await fake_telegram.wait_for_message(MANAGER_ID, contains="Team", timeout=10)
    await tap(fake_telegram, MANAGER_ID, page, "✏️ Roman")
    await fake_telegram.wait_for_edit(page, timeout=10)
    await tap(fake_telegram, MANAGER_ID, page, "🚫 Deactivate")
    await fake_telegram.wait_for_edit(page, timeout=10)
    await tap(fake_telegram, MANAGER_ID, page, "Yes, deactivate")
    told = await fake_telegram.wait_for_message(MANAGER_ID, contains="deactivated", timeout=10)
    handed = [
        await fake_telegram.wait_for_message(OLGA, contains="Was Roman", timeout=10)
        for _ in range(2)
    ]
    await leadline.stop()

    assert told.text == "Roman is deactivated. Their 2 open leads: #1 to Olga, #3 to Olga."
    assert ["Lead #1" in handed[0].text, "Lead #3" in handed[1].text] == [True, True]
    assert leadline.query("SELECT DISTINCT owner_id FROM leads") == [(2,)]
    assert leadline.query("SELECT active FROM members WHERE telegram_id = 7001") == [(0,)]
