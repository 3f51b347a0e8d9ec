"""The HTTP intake API: web forms, landing-page builders and PBX webhooks post leads here.

`POST /api/v1/leads` takes JSON and `POST /api/v1/leads/form` takes a form post; both
need `Authorization: Bearer <source token>`. A lead is answered 201 only after it, its
history, its timers and its alert are committed, so an accepted lead is never lost. A
retry with the same `Idempotency-Key` (or the same `external_id`) gets 200 and the first
lead's id; a repeat inquiry from a contact with an open lead gets 200 and that lead's id.
Off hours the 201 body also carries `reply`, the words for the form to show the prospect
(received, and when a rep will be in touch); inside hours it does when an acknowledgment
is configured.
Every 4xx body says what is wrong and names the fields at fault.
"""

import logging
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.errors import InvalidInquiry, LeadlineError
from core.leads import Channel, Inquiry
from core.services import Outcome, Services
from core.sources import Source
from intake.contacts import ContactError, normalise_email, normalise_phone
from intake.schemas import ErrorBody, FieldError, LeadAccepted, LeadIn

logger = logging.getLogger(__name__)


class ApiError(Exception):
    """An answer other than success, with the status code and the words to send."""

    def __init__(self, status: int, error: str, fields: list[FieldError] | None = None) -> None:
        super().__init__(error)
        self.status = status
        self.body = ErrorBody(error=error, fields=fields or [])


class BodyTooLarge(HTTPException):
    """The request body passed the size cap.

    An HTTPException, because FastAPI turns any other error raised while it reads the
    body into a 400 "There was an error parsing the body"; this one it lets through.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is over the limit of {limit} bytes.")

    @property
    def body(self) -> ErrorBody:
        """Say what is wrong, naming the body as the field at fault."""
        return ErrorBody(error=self.detail, fields=[FieldError(field="body", message=self.detail)])


class BodyCap:
    """ASGI middleware that answers 413 to a body over `limit` bytes, declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, receive, send)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise BodyTooLarge(self.limit)
            return message

        await self.app(scope, counting_receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = BodyTooLarge(self.limit).body
        await JSONResponse(body.model_dump(), status_code=413)(scope, receive, send)


def _field_of(location: tuple[Any, ...]) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "header")]
    return ".".join(parts) or "body"


def _validation_fields(errors: list[dict[str, Any]]) -> list[FieldError]:
    return [_field_error(error) for error in errors]


def _field_error(error: dict[str, Any]) -> FieldError:
    if error.get("type") == "json_invalid":  # its location is an offset into the body
        reason = (error.get("ctx") or {}).get("error", "it cannot be parsed")
        return FieldError(field="body", message=f"The body is not valid JSON: {reason}.")
    return FieldError(field=_field_of(tuple(error["loc"])), message=error["msg"])


def _to_inquiry(lead: LeadIn, source: Source, phone_region: str | None) -> Inquiry:
    fields: list[FieldError] = []
    phone = email = None
    try:
        phone = normalise_phone(lead.phone, phone_region) if lead.phone else None
    except ContactError as exc:
        fields.append(FieldError(field="phone", message=str(exc)))
    try:
        email = normalise_email(lead.email) if lead.email else None
    except ContactError as exc:
        fields.append(FieldError(field="email", message=str(exc)))
    if fields:
        raise ApiError(422, "The lead has a contact that cannot be used.", fields)
    return Inquiry(
        channel=Channel.FORM if source.channel == "form" else Channel.API,
        name=lead.name,
        phone=phone,
        email=email,
        message=lead.message,
        product=lead.product or None,
        region=lead.region or None,
        value=lead.value,
        external_id=lead.external_id or None,
        utm=lead.utm(),
        source_id=source.id,
    )


_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"model": LeadAccepted, "description": "A retry or a repeat inquiry: the lead's id"},
    400: {"model": ErrorBody, "description": "A malformed Idempotency-Key"},
    401: {"model": ErrorBody, "description": "A missing or unknown source token"},
    413: {"model": ErrorBody, "description": "A body over the size cap"},
    422: {"model": ErrorBody, "description": "Fields that cannot be used"},
}
# The form endpoint reads its body itself, so FastAPI cannot describe it on its own.
_FORM_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {"$ref": "#/components/schemas/LeadIn"}
            }
        },
    }
}


def _unauthorised(error: str) -> ApiError:
    return ApiError(401, error, [FieldError(field="Authorization", message=error)])


def create_api(services: Services, *, phone_region: str | None, max_body_bytes: int) -> FastAPI:
    """Build the intake API bound to the use cases."""
    api = FastAPI(
        title="Leadline intake API",
        version="1",
        description="Post inquiries from forms, landing pages and phone systems.",
    )
    bearer = HTTPBearer(auto_error=False)

    async def source_of(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Source:
        if credentials is None:
            raise _unauthorised("A source token is required: send Authorization: Bearer <token>.")
        source = await services.source_for_token(credentials.credentials)
        if source is None:
            raise _unauthorised("The source token is not valid.")
        return source

    async def accept(lead: LeadIn, source: Source, key: str | None) -> JSONResponse:
        if key is not None and not 1 <= len(key) <= 200:
            raise ApiError(
                400,
                "The Idempotency-Key header must be 1 to 200 characters.",
                [FieldError(field="Idempotency-Key", message="wrong length")],
            )
        try:
            captured = await services.capture(_to_inquiry(lead, source, phone_region), key)
        except InvalidInquiry as exc:
            raise ApiError(
                422, exc.message, [FieldError(field=exc.field, message=exc.message)]
            ) from exc
        status = 201 if captured.outcome is Outcome.CREATED else 200
        body = LeadAccepted(
            id=captured.lead_id, status=captured.outcome.value, reply=captured.reply
        )
        return JSONResponse(body.model_dump(exclude_none=True), status_code=status)

    @api.post("/api/v1/leads", status_code=201, response_model=LeadAccepted, responses=_ANSWERS)
    async def post_lead(
        lead: LeadIn,
        source: Annotated[Source, Depends(source_of)],
        idempotency_key: Annotated[str | None, Header()] = None,
    ) -> JSONResponse:
        """Accept one inquiry as JSON."""
        return await accept(lead, source, idempotency_key)

    @api.post(
        "/api/v1/leads/form",
        status_code=201,
        response_model=LeadAccepted,
        responses=_ANSWERS,
        openapi_extra=_FORM_BODY,
    )
    async def post_lead_form(
        request: Request,
        source: Annotated[Source, Depends(source_of)],
        idempotency_key: Annotated[str | None, Header()] = None,
    ) -> JSONResponse:
        """Accept one inquiry as a form post (application/x-www-form-urlencoded)."""
        form = await request.form()
        try:
            lead = LeadIn.model_validate({k: v for k, v in form.items() if isinstance(v, str)})
        except ValidationError as exc:
            fields = _validation_fields(exc.errors())
            raise ApiError(422, "The form has fields that cannot be used.", fields) from exc
        return await accept(lead, source, idempotency_key)

    @api.get("/healthz")
    async def health() -> JSONResponse:
        """Tell whether the service and its database answer."""
        try:
            await services.ping()
        except Exception:
            logger.exception("Health check: the database does not answer")
            return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    _install_error_handlers(api)
    api.add_middleware(BodyCap, limit=max_body_bytes)
    return api


def _install_error_handlers(api: FastAPI) -> None:
    async def api_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(exc.body.model_dump(), status_code=exc.status, headers=headers)

    async def invalid_request(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        fields = _validation_fields(list(exc.errors()))
        names = ", ".join(f.field for f in fields)
        body = ErrorBody(
            error=f"The request has fields that cannot be used: {names}.", fields=fields
        )
        return JSONResponse(body.model_dump(), status_code=422)

    async def body_too_large(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, BodyTooLarge)
        return JSONResponse(exc.body.model_dump(), status_code=413)

    async def domain_error(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(ErrorBody(error=str(exc)).model_dump(), status_code=409)

    handlers: dict[type[Exception], Callable[[Request, Exception], Awaitable[JSONResponse]]] = {
        ApiError: api_error,
        RequestValidationError: invalid_request,
        BodyTooLarge: body_too_large,
        LeadlineError: domain_error,
    }
    for kind, handler in handlers.items():
        api.add_exception_handler(kind, handler)
