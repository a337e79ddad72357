"""The API object: bearer-token and session auth, Chinese JSON unescaped, errors as {code, message, fields}, and
operation ids that name the area, not the module an endpoint lives in."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.views import openapi_json
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer, SessionAuth

from ducha.api.schemas import ErrorOut
from ducha.common import error_codes
from ducha.common.errors import DomainError
from ducha.orgs.models import User
from ducha.orgs.services import token_authenticate

FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# The errors every endpoint may answer with, for its `response` map.
ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class ChineseJSONRenderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`. A token refused (unknown, revoked, expired: 401; read-only on a write: 403)
    ends the request with its own code; without the header ninja goes on to the session."""

    def authenticate(self, request: HttpRequest, token: str) -> User:
        user = token_authenticate(token, method=request.method or "GET")
        request.user = user
        return user


def actor(request: HttpRequest) -> User:
    """The signed-in user, whichever way they signed in."""
    user = request.auth if isinstance(getattr(request, "auth", None), User) else request.user  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def _docs_refusal(request: HttpRequest, *, document: bool) -> HttpResponse | None:
    """Unless DUCHA_API_DOCS_PUBLIC (read per request), the docs page and the OpenAPI document are for the signed
    in: the page sends a stranger to the sign-in page; the document answers 401 JSON, and takes a bearer token too."""
    if settings.DUCHA_API_DOCS_PUBLIC or request.user.is_authenticated:
        return None
    if not document:
        return redirect_to_login(request.get_full_path())
    header = request.headers.get("Authorization", "")
    scheme, _space, token = header.partition(" ")
    if scheme.lower() == "bearer":
        try:
            token_authenticate(token.strip(), method="GET")
        except DomainError as error:
            return HttpResponse(
                json.dumps(error.as_dict(), ensure_ascii=False),
                status=error.status,
                content_type="application/json; charset=utf-8",
            )
        return None
    body = {
        "code": error_codes.NOT_AUTHENTICATED,
        "message": str(error_codes.message_for(error_codes.NOT_AUTHENTICATED)),
    }
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), status=401, content_type="application/json; charset=utf-8"
    )


def unescaped_json(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The OpenAPI document is served by ninja's own view; re-encode it so Chinese reads as Chinese. Both it and
    the docs page are behind sign-in unless DUCHA_API_DOCS_PUBLIC."""
    document = getattr(view, "func", view) is openapi_json

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refusal = _docs_refusal(request, document=document)
        if refusal is not None:
            return refusal
        if document:
            return _openapi_document(request, view, *args, **kwargs)
        return view(request, *args, **kwargs)

    return wrapper


# The OpenAPI document, built once per process and language (issue 19: building it takes seconds). It is a
# function of the code and the language only: the routes, schemas and texts are fixed when the process starts.
_documents: dict[tuple[str, str], bytes] = {}


def _openapi_document(
    request: HttpRequest, view: Callable[..., HttpResponse], *args: Any, **kwargs: Any
) -> HttpResponse:
    key = (get_language() or "", request.path)
    content = _documents.get(key)
    if content is None:
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("application/json"):
            return response
        content = json.dumps(json.loads(response.content), ensure_ascii=False).encode()
        _documents[key] = content
    return HttpResponse(content, content_type="application/json; charset=utf-8")


class TextParser(Parser):
    """ninja's JSON, query-string and form parsing, refusing a NUL character anywhere as bad input (400, naming the
    field): PostgreSQL's text cannot hold one, and no user means one (the web forms refuse it the same way)."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = super().parse_body(request)
        _refuse_nul(data, ["body"])
        return data

    def parse_querydict(self, data: Any, list_fields: list[str], request: HttpRequest) -> dict[str, Any]:
        result = super().parse_querydict(data, list_fields, request)
        _refuse_nul(result, ["query"])
        return result


def _refuse_nul(value: Any, location: list[Any]) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise ValidationError(
                [
                    {
                        "loc": tuple(location),
                        "msg": str(_("Text cannot contain the NUL character.")),
                        "type": "value_error",
                    }
                ]
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_nul(key, location)
            _refuse_nul(item, [*location, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_nul(item, [*location, index])


class DuchaAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Any) -> str:
        """`ducha_api_<area>_<function>`, the area being the module or package under `ducha.api` (`items`,
        `inspections`, …): an area's routers may be split into modules by stage without changing the operation ids
        clients generate their code from."""
        module = operation.view_func.__module__
        if not module.startswith("ducha.api."):
            return super().get_openapi_operation_id(operation)
        area = module.removeprefix("ducha.api.").split(".")[0]
        return f"ducha_api_{area}_{operation.view_func.__name__}"


api = DuchaAPI(
    title="Ducha 督查督办 API",
    version="1",
    urls_namespace="api-v1",
    auth=[BearerToken(), SessionAuth()],
    renderer=ChineseJSONRenderer(),
    parser=TextParser(),
    docs_url="/docs",
    openapi_url="/openapi.json",
    docs_decorator=unescaped_json,
)


def _error(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
    return api.create_response(request, body, status=status)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return _error(request, exc.status, exc.as_dict())


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, str] = {}
    for error in exc.errors:
        # pydantic's locations carry validator and type tags ("function-wrap[...]", "constrained-int"); clients
        # get the field path only, e.g. "co_units.0.share_note".
        location = [
            str(part)
            for part in error.get("loc", ())
            if part not in ("body", "query", "path", "payload", "form")
            and (isinstance(part, int) or FIELD_NAME.fullmatch(str(part)))
        ]
        fields[".".join(location) or "body"] = str(error.get("msg", ""))
    return _error(
        request,
        400,
        {
            "code": error_codes.INVALID_INPUT,
            "message": str(error_codes.message_for(error_codes.INVALID_INPUT)),
            "fields": fields,
        },
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja raises these itself: a body that is not JSON (400), a session request without its CSRF token (403).
    if isinstance(exc.__cause__, ValidationError):  # the body parsed, then refused by TextParser
        return validation_error(request, exc.__cause__)
    code = {
        403: error_codes.CSRF_FAILED,
        404: error_codes.NOT_FOUND,
    }.get(exc.status_code, error_codes.INVALID_INPUT)
    return _error(request, exc.status_code, {"code": code, "message": str(error_codes.message_for(code))})


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(
        request,
        401,
        {
            "code": error_codes.NOT_AUTHENTICATED,
            "message": str(error_codes.message_for(error_codes.NOT_AUTHENTICATED)),
        },
    )
