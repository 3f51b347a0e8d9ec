"""Drawing the team for `/team`: what a manager reads, within Telegram's message size."""

from datetime import date, timedelta

from bot.callbacks import TeamAction
from bot.roster import member_keyboard, prompt_text, read_prompt, roster_keyboard, roster_text
from core.team import DayFigures, Member, Role, RosterLine

TODAY = date(2026, 12, 2)


def line(member_id: int, name: str, **fields: object) -> RosterLine:
    """Make a roster line for a rep with some of today's figures."""
    member = Member(7000 + member_id, name, id=member_id, **fields)  # type: ignore[arg-type]
    return RosterLine(member, 3, DayFigures(4, 3, 1, timedelta(minutes=6)))


def test_each_rep_shows_status_load_and_todays_figures() -> None:
    lines = [
        RosterLine(Member(5001, "Mira", Role.MANAGER, id=1), 0, DayFigures()),
        line(2, "Roman", capacity=10),
        line(3, "Olga", paused=True),
        line(4, "Dan", active=False),
    ]

    text = roster_text(lines, TODAY).splitlines()

    assert text == [
        "👥 <b>Team</b> · 2 reps, 1 taking leads · 02.12.2026",
        "",
        "<b>Mira</b> · manager",
        "<b>Roman</b> · available · open 3/10",
        "    today: 4 new, 3 answered, median 6 min, 1 waiting",
        "<b>Olga</b> · paused · open 3",
        "    today: 4 new, 3 answered, median 6 min, 1 waiting",
        "<s>Dan</s> · deactivated",
    ]


def test_a_large_team_fits_in_one_message_one_line_each_then_cut_short() -> None:
    sixty = [line(n, f"Rep number {n}") for n in range(1, 61)]
    three_hundred = [line(n, f"Rep number {n}") for n in range(1, 301)]

    compact = roster_text(sixty, TODAY)
    cut = roster_text(three_hundred, TODAY)

    assert len(compact) <= 4000
    assert compact.splitlines()[-1] == ("<b>Rep number 60</b> · open 3 · today 4 new, 3 answered")
    assert len(cut) <= 4000
    assert cut.splitlines()[-1].endswith("more: see `leadline team list`.")


def test_every_member_has_a_button_to_open_their_page() -> None:
    markup = roster_keyboard([line(1, "Roman"), line(2, "Olga"), line(3, "Vera")])

    assert [[b.callback_data for b in row] for row in markup.inline_keyboard] == [
        ["t:v:1", "t:v:2"],
        ["t:v:3"],
    ]


def test_deactivated_member_page_offers_only_reactivation() -> None:
    markup = member_keyboard(Member(7001, "Dan", id=4, active=False), TODAY)

    assert [[b.text for b in row] for row in markup.inline_keyboard] == [
        ["✅ Reactivate"],
        ["« Team"],
    ]


def test_a_prompt_names_its_field_and_member_and_is_read_back() -> None:
    text, hint = prompt_text(TeamAction.REGIONS, Member(7001, "Roman (Sr)", id=12))

    assert text.splitlines()[0] == "✏️ Regions for Roman (Sr) (member #12)"
    assert hint == "north, south"
    assert read_prompt(text) == (TeamAction.REGIONS, 12)
    assert read_prompt("✏️ Regions for Roman") is None
    assert read_prompt("Nice weather (member #12)") is None
