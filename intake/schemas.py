"""The intake API's request and response bodies."""

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class LeadIn(BaseModel):
    """An inquiry as a web form, a landing-page builder or a PBX posts it."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    name: str = Field("", max_length=200)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=320)
    message: str = Field("", max_length=5000)
    product: str | None = Field(None, max_length=100)
    region: str | None = Field(None, max_length=100)
    value: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    external_id: str | None = Field(None, max_length=200)
    utm_source: str | None = Field(None, max_length=200)
    utm_medium: str | None = Field(None, max_length=200)
    utm_campaign: str | None = Field(None, max_length=200)
    utm_term: str | None = Field(None, max_length=200)
    utm_content: str | None = Field(None, max_length=200)

    def utm(self) -> dict[str, str]:
        """Collect the utm fields that were given."""
        fields = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
        return {name: value for name in fields if (value := getattr(self, name))}


class LeadAccepted(BaseModel):
    """The answer to an accepted inquiry."""

    id: int
    status: str = Field(description="created, duplicate (a retry) or merged (a repeat inquiry)")
    reply: str | None = Field(
        None,
        description=(
            "Words for the form to show the prospect: off hours, when a rep will be in touch; "
            "inside hours, the acknowledgment if one is configured. Absent when there is none."
        ),
    )


class FieldError(BaseModel):
    """One thing wrong with a request."""

    field: str
    message: str


class ErrorBody(BaseModel):
    """Every 4xx answer: a sentence, and the fields at fault."""

    error: str
    fields: list[FieldError] = []
