"""The API fuzzer kept in CI (issue 17): schemathesis generates requests from the OpenAPI document for every
operation, as two roles — the county's supervision office (`office`) and a unit liaison (`fgw`, 发改局's handler),
each with a write-scope bearer token — and every answer must be no server error, a documented status code with its
documented content type, and a body matching the documented schema (tests/api/fuzz_support.py: CHECKS).

One test per (operation, role), EXAMPLES generated requests each (hypothesis, derandomized: a CI run is
reproducible), sent in-process to Django's WSGI handler inside the test's transaction; writes accumulate within a
test and are rolled back after it. A few rows are seeded first and path ids are drawn either freely or from them,
so requests reach real items, inspections, findings and rectifications, not only 404s. Nothing is left out: the two
operations that could cut the fuzzer off are fuzzed with a guard, said below. At least MIN_CALLS calls are made in
all (each test asserts its own count, test_the_run_makes_enough_calls the total)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from ducha.orgs.services import token_issue
from tests.api import fuzz_support
from tests.api.fuzz_support import CHECKS, pinned_instant_only

pytestmark = pinned_instant_only

DOCUMENT = fuzz_support.document()
SCHEMA = fuzz_support.load_schema()
OPERATIONS = fuzz_support.operations(DOCUMENT)
# The two roles: the office that runs supervision, and a unit that is supervised.
ROLES = ["office", "fgw"]
EXAMPLES = 6
MIN_CALLS = 2000

# Fuzzed with a guard (never left out):
# - POST /api/v1/auth/token (the API's sign-in, no bearer token): every generated sign-in fails and counts towards
#   the lockout (django-axes: 5 failures lock the source, 429); the attempts are cleared before each request so
#   the fuzzer exercises the sign-in itself, not only the lockout (tests/api/test_tokens.py tests that).
SIGN_IN = ("POST", "/api/v1/auth/token")
# - DELETE /api/v1/auth/tokens/{token_id} would revoke the fuzzer's own token and turn every later request into a
#   401: the fuzzer is given a spare token of its own to revoke, and its own token's id is never generated.
REVOKE = ("DELETE", "/api/v1/auth/tokens/{token_id}")


def _strategy(operation: Any, path: str, ids: dict[str, int], own_token_id: int) -> st.SearchStrategy:
    """Requests as the document allows them (positive) and as it does not (negative: a 400 is the answer), and, as
    likely, valid requests whose path ids point at seeded rows."""
    generated = st.one_of(
        operation.as_strategy(), operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
    )
    known = {name: value for name, value in ids.items() if f"{{{name}}}" in path}
    strategy = st.one_of(generated, operation.as_strategy(path_parameters=known)) if known else generated
    if "{token_id}" in path:
        strategy = strategy.filter(lambda case: case.path_parameters.get("token_id") != own_token_id)
    return strategy


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_fuzz(world, role, method, path):
    seeded = fuzz_support.seed(world, path)
    user = world.user(role)
    token, own = token_issue(user=user, name="fuzz")
    _spare_token, spare = token_issue(user=user, name="spare")
    ids = {**seeded.ids, "token_id": spare.pk}
    headers = {"Authorization": f"Bearer {token}"}
    operation = SCHEMA[path][method]
    calls = 0

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
        ],
    )
    @given(case=_strategy(operation, path, ids, own.pk))
    def fuzz(case) -> None:
        nonlocal calls
        if (method, path) == SIGN_IN:
            from axes.utils import reset

            reset()
        calls += 1
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    with fuzz_support.same_connection():
        fuzz()
    assert calls >= EXAMPLES, f"{method} {path} as {role}: {calls} calls, fewer than {EXAMPLES}"


def test_the_run_makes_enough_calls():
    """Every operation is fuzzed as both roles, and the tests' own counts add up to the issue's floor."""
    documented = {(method, path) for method, path in OPERATIONS}
    assert len(documented) == len(OPERATIONS) > 200
    assert SIGN_IN in documented and REVOKE in documented
    assert len(OPERATIONS) * len(ROLES) * EXAMPLES >= MIN_CALLS


# --- what the fuzzer found, kept fixed ------------------------------------------------------------------------------


def _walk(node: Any) -> Any:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_every_operation_documents_bad_input_and_no_credentials():
    """GET /units/ and GET /me answered 400 (a parent or limit out of range) and 401 without documenting either."""
    missing = [
        f"{method} {path}"
        for method, path in OPERATIONS
        if not {"400", "401"} <= {str(code) for code in DOCUMENT["paths"][path][method.lower()]["responses"]}
    ]
    assert missing == []


def test_the_document_uses_no_tuple_schemas():
    """A (kind, channel) pair was documented as a tuple (`prefixItems`), which schemathesis could not read; it is an
    array of two strings, the same JSON on the wire."""
    assert [node for node in _walk(DOCUMENT) if "prefixItems" in node] == []


def test_mandatory_channels_round_trip_as_pairs(api):
    office = api("office")
    put = office.client.put(
        "/api/v1/reminders/mandatory",
        {"mandatory": [["overdue", "sms"]]},
        content_type="application/json",
        headers=office.headers,
    )
    assert put.status_code == 200, put.content
    assert put.json() == {"mandatory": [["overdue", "sms"]]}
    assert office.get("/reminders/mandatory").json() == {"mandatory": [["overdue", "sms"]]}
    bad = office.client.put(
        "/api/v1/reminders/mandatory",
        {"mandatory": [["overdue", "sms", "email"]]},
        content_type="application/json",
        headers=office.headers,
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_input"
    assert office.get("/reminders/mandatory").json() == {"mandatory": [["overdue", "sms"]]}


@pytest.mark.parametrize("status", ["draft", "issued"])
def test_a_unit_filters_bulletins_by_status(api, status):
    """A unit asking for the bulletins of one status got a server error (its issued-only rule and the filter both
    named `status`); it sees the issued ones only."""
    response = api("fgw").get("/accountability/bulletins", status=status)
    assert response.status_code == 200, response.content
    assert response.json() == []
