"""Domain errors, each a sentence a user can read.

    LeadlineError
    ├── NotFound
    │   ├── LeadNotFound
    │   ├── MemberNotFound
    │   └── InviteNotFound
    ├── NotAllowed
    │   ├── NotOnTeam
    │   ├── NotLeadOwner
    │   └── NotAManager
    ├── InvalidInquiry          (names the field that is wrong)
    ├── InvalidProfile          (a member's setting a manager typed is not valid)
    ├── InvalidAnswer           (a typed answer the bot asked for cannot be read)
    ├── NothingAwaited          (a member wrote text the bot did not ask for)
    ├── StaleAction             (the lead moved on since the button was drawn)
    └── ConcurrentUpdate        (another transaction changed the lead first)

Adapters translate these into words (the bot) or status codes (the HTTP API).
"""


class LeadlineError(Exception):
    """Root of every error the domain raises on purpose."""


class NotFound(LeadlineError):
    """Something the caller named does not exist."""


class LeadNotFound(NotFound):
    """No lead has the given number."""

    def __init__(self, lead_id: int) -> None:
        super().__init__(f"Lead #{lead_id} does not exist.")
        self.lead_id = lead_id


class MemberNotFound(NotFound):
    """No team member matches."""


class InviteNotFound(NotFound):
    """The invite code is unknown, used or expired."""


class NotAllowed(LeadlineError):
    """The actor may not do this."""


class NotOnTeam(NotAllowed):
    """The user is not a member of the team."""


class NotLeadOwner(NotAllowed):
    """A rep tried to act on a lead that belongs to somebody else."""


class NotAManager(NotAllowed):
    """Only managers may do this."""


class InvalidInquiry(LeadlineError):
    """An inquiry cannot be accepted; `field` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class InvalidProfile(LeadlineError):
    """A change to a member's profile cannot be made; `field` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class InvalidAnswer(LeadlineError):
    """A member's answer to the bot's question cannot be read; the bot asks again."""


class NothingAwaited(LeadlineError):
    """A member wrote text while the bot was waiting for none; the message says what text does."""


class StaleAction(LeadlineError):
    """The button was drawn for an older state of the lead; the message says what changed."""


class ConcurrentUpdate(LeadlineError):
    """Another transaction changed the lead between our read and our write."""
