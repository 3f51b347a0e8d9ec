"""The callback-data codec: what a button says, in Telegram's 64 bytes.

A lead button reads `l:<action>:<lead>:<version>[:<argument>]`, for example
`l:r:42:3` (reached, lead 42, drawn at version 3) or `l:lr:42:3:competitor`. A queue
button reads `q:<page>` (turn to a page of `/my`) or `o:<lead>` (open a lead with its
timeline). A team button (the `/team` pages) reads `t:<action>:<member>[:<argument>]`,
for example `t:c:7:10` (capacity of member 7 set to 10). The data only says what was
pressed; who may press it is decided on the server, since callback data can be forged.
"""

import re
from dataclasses import dataclass
from enum import StrEnum

from core.services import Action

MAX_BYTES = 64
MAX_ARGUMENT = 24

_CODES: dict[Action, str] = {
    Action.REACHED: "r",
    Action.NO_ANSWER: "n",
    Action.BUSY: "bu",
    Action.WRONG_NUMBER: "wn",
    Action.ONE_MORE_ROUND: "mr",
    Action.HOT: "h",
    Action.WARM: "w",
    Action.COLD: "c",
    Action.PARK: "pk",
    Action.RATE: "rt",
    Action.CRITERION: "q",
    Action.FORWARD: "f",
    Action.BACKWARD: "bk",
    Action.WON: "wo",
    Action.LOSE: "x",
    Action.LOSS_REASON: "lr",
    Action.REMIND: "rm",
    Action.REMIND_AT: "at",
    Action.SNOOZE: "sz",
    Action.DONE: "d",
    Action.WRITE: "wr",
    Action.BACK: "b",
    Action.ASSIGN: "a",
    Action.REASSIGN: "ra",
    Action.HAND_BACK: "hb",
    Action.HAND_BACK_REASON: "hr",
    Action.TAKE: "t",
    Action.TAKE_OVER: "m",
    Action.REMIND_OWNER: "o",
}
_ACTIONS = {code: action for action, code in _CODES.items()}

LEAD_PATTERN = re.compile(
    r"^l:(?P<code>[a-z]{1,2}):(?P<lead>\d{1,12}):(?P<version>\d{1,9})"
    rf"(?::(?P<arg>[a-z0-9_-]{{1,{MAX_ARGUMENT}}}))?$"
)
PAGE_PATTERN = re.compile(r"^q:(?P<page>\d{1,4})$")
OPEN_PATTERN = re.compile(r"^o:(?P<lead>\d{1,12})$")


class BadCallback(ValueError):
    """The callback data is not something this bot ever drew."""


@dataclass(frozen=True)
class LeadButton:
    """A decoded press of a lead button."""

    action: Action
    lead_id: int
    version: int
    argument: str = ""


def encode(action: Action, lead_id: int, version: int, argument: str = "") -> str:
    """Pack a lead button into callback data."""
    data = f"l:{_CODES[action]}:{lead_id}:{version}" + (f":{argument}" if argument else "")
    if len(data.encode()) > MAX_BYTES or not LEAD_PATTERN.match(data):
        raise ValueError(
            f"Callback data {data!r} cannot be drawn within Telegram's {MAX_BYTES} bytes."
        )
    return data


def decode(data: str) -> LeadButton:
    """Unpack callback data, refusing anything this bot could not have drawn."""
    match = LEAD_PATTERN.match(data or "")
    if match is None or match["code"] not in _ACTIONS:
        raise BadCallback(f"Unknown button data {data!r}.")
    return LeadButton(
        action=_ACTIONS[match["code"]],
        lead_id=int(match["lead"]),
        version=int(match["version"]),
        argument=match["arg"] or "",
    )


class TeamAction(StrEnum):
    """What a button on the `/team` pages asks for; a bare action opens its menu."""

    LIST = "l"
    VIEW = "v"
    ROLE = "r"
    PRODUCTS = "p"
    REGIONS = "g"
    CAPACITY = "c"
    WEIGHT = "w"
    TIER = "t"
    LEAVE = "o"
    PAUSE = "s"
    HAND_OUT = "h"
    DEACTIVATE = "d"
    REACTIVATE = "a"


TEAM_PATTERN = re.compile(r"^t:(?P<code>[a-z]):(?P<member>\d{1,12})(?::(?P<arg>[\w-]{1,16}))?$")


@dataclass(frozen=True)
class TeamButton:
    """A decoded press of a `/team` button."""

    action: TeamAction
    member_id: int
    argument: str = ""


def encode_team(action: TeamAction, member_id: int = 0, argument: str = "") -> str:
    """Pack a `/team` button into callback data."""
    data = f"t:{action.value}:{member_id}" + (f":{argument}" if argument else "")
    if TEAM_PATTERN.match(data) is None:
        raise ValueError(f"Callback data {data!r} is not a team button this bot can read.")
    return data


def decode_team(data: str) -> TeamButton:
    """Unpack a `/team` button, refusing anything this bot could not have drawn."""
    match = TEAM_PATTERN.match(data or "")
    if match is None:
        raise BadCallback(f"Unknown button data {data!r}.")
    try:
        action = TeamAction(match["code"])
    except ValueError:
        raise BadCallback(f"Unknown button data {data!r}.") from None
    return TeamButton(action, int(match["member"]), match["arg"] or "")


def page_button(page: int) -> str:
    """Pack a press that turns the queue to a page."""
    return f"q:{page}"


def open_button(lead_id: int) -> str:
    """Pack a press that opens a lead with its timeline."""
    return f"o:{lead_id}"


def decode_page(data: str) -> int:
    """Unpack a page press."""
    match = PAGE_PATTERN.match(data or "")
    if match is None:
        raise BadCallback(f"Unknown button data {data!r}.")
    return int(match["page"])


def decode_open(data: str) -> int:
    """Unpack an open-lead press."""
    match = OPEN_PATTERN.match(data or "")
    if match is None:
        raise BadCallback(f"Unknown button data {data!r}.")
    return int(match["lead"])
