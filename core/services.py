"""The use cases of Leadline, gathered in one object for the adapters to call.

Each group lives in its own module: capturing inquiries (`core.capturing`), working a
lead (`core.working`), the team (`core.teamwork`), timers (`core.timekeeping`), the
first-response clocks (`core.responding`, shared by capturing and working), stalls
(`core.stalls`), the queues at openings and the daily digest (`core.routines`) and
analysis (`core.reporting`). Each use case is one unit of work: it changes the lead,
appends its events, arms or cancels its timers and queues its notices, then commits all
of it at once. Nothing here talks to Telegram, HTTP or a database driver; the ports do.
"""

from core.capturing import Captured, Capturing, Outcome
from core.reporting import Reporting
from core.routines import Routines
from core.stalls import Stalls
from core.teamwork import Teamwork
from core.timekeeping import Timekeeping
from core.usecase import UnitOfWorkFactory
from core.working import Action, Done, Tap, Working

__all__ = ["Action", "Captured", "Done", "Outcome", "Services", "Tap", "UnitOfWorkFactory"]


class Services(Capturing, Working, Teamwork, Timekeeping, Stalls, Routines, Reporting):
    """Every use case, bound to storage, a clock and the team's rules."""
