"""The use cases of Leadline, gathered in one object for the adapters to call.

Each group lives in its own module: capturing inquiries (`core.capturing`) and prospects
who write in Telegram (`core.prospects`), working a lead with taps (`core.working`), its
reminders (`core.nurturing`) and what members type (`core.conversation`), moving leads
between reps (`core.distributing`), the team (`core.teamwork`), timers
(`core.timekeeping`), the first-response clocks (`core.responding`, shared by capturing
and working), stalls (`core.stalls`), the queues at openings and the daily digest
(`core.routines`) and analysis (`core.reporting`). Each use case is one unit of work:
it changes the lead, appends its events, arms or cancels its timers and queues its
notices, then commits all of it at once. Nothing here talks to Telegram, HTTP or a
database driver; the ports do.
"""

from core.capturing import Captured, Outcome
from core.conversation import Conversation
from core.prospects import Prospects
from core.reporting import Reporting
from core.routines import Routines
from core.stalls import Stalls
from core.teamwork import Teamwork
from core.timekeeping import Timekeeping
from core.usecase import UnitOfWorkFactory
from core.working import Action, Done, Tap, View

__all__ = [
    "Action",
    "Captured",
    "Done",
    "Outcome",
    "Services",
    "Tap",
    "UnitOfWorkFactory",
    "View",
]


class Services(Prospects, Conversation, Teamwork, Timekeeping, Stalls, Routines, Reporting):
    """Every use case, bound to storage, a clock and the team's rules.

    Prospects extends Capturing; Conversation extends Working, which extends Nurturing and
    Responding (the first-response clocks). Capturing extends Responding; Responding,
    Nurturing, Teamwork and Routines extend Distributing, which every group that gives a
    lead an owner shares; Timekeeping, Stalls and Reporting extend UseCases directly.
    """
