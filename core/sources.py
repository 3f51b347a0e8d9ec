"""Sources: where leads come from, each with a secret token for the intake API.

Only a hash of the token is stored, so a leaked database does not leak tokens.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass
class Source:
    """A channel a team buys or runs: a landing page, an ad campaign, a PBX."""

    name: str
    token_hash: str
    created_at: datetime
    channel: str = "api"
    active: bool = True
    id: int | None = None
    first_response: timedelta | None = None


def new_token() -> str:
    """Make a fresh unguessable source token."""
    return "ll_" + secrets.token_urlsafe(24)


def hash_token(token: str) -> str:
    """Hash a token for storage and look-up."""
    return hashlib.sha256(token.encode()).hexdigest()
