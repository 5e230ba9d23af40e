"""The JSON API: token login, the whole workflow, refusals with messages, and the schema."""

import pytest
import yaml
from django.core.management import call_command
from openapi_spec_validator import validate
from rest_framework.test import APIClient

from officeactions.accounts.services import api_token_create
from officeactions.cases.models import Case
from tests.helpers import db_snapshot


def token_client(client_user) -> APIClient:
    """An API client with a token of the user's own, made as they make one."""
    api = APIClient()
    _, secret = api_token_create(user=client_user, name="tests")
    api.credentials(HTTP_AUTHORIZATION="Token " + secret)
    return api


@pytest.fixture
def apis(people):
    return {name: token_client(user) for name, user in people.items()}


@pytest.mark.parametrize("header", ["Token oa_not-a-token", "Token", "Bearer x y", "Token é"])
def test_a_wrong_or_malformed_token_is_refused_with_401(people, header):
    response = APIClient().get("/api/cases/", HTTP_AUTHORIZATION=header.encode())
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_it_walks_a_global_ban_through_the_api(apis):
    created = apis["agent"].post(
        "/api/cases/",
        {
            "kind": "global_ban",
            "title": "Cross-wiki harassment",
            "summary": "Threats on three wikis.",
            "subject": {
                "display_name": "Example Harasser",
                "accounts": [{"wiki": "enwiki", "username": "Harasser"}],
                "addresses": ["192.0.2.0/24"],
            },
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    ref = body["reference"]
    assert body["state"] == "received"
    assert body["subject"]["addresses"] == ["192.0.2.0/24"]
    # Opened by staff: no requester, so "mark abusive" is not offered.
    assert set(body["available_steps"]) == {"accept", "defer", "decline_request"}

    def step(who, name, reason=""):
        r = apis[who].post(f"/api/cases/{ref}/steps/", {"step": name, "reason": reason})
        assert r.status_code == 200, r.content
        return r.json()

    step("agent", "accept")
    assert step("agent", "start_investigation")["state"] == "investigating"
    proposed = apis["agent"].post(
        f"/api/cases/{ref}/proposal/",
        {
            "rationale": "Pattern of threats.",
            "terms": {"details": "indefinite", "why_no_warning": "Threats: no time to warn."},
        },
        format="json",
    )
    assert proposed.status_code == 201
    assert proposed.json()["state"] == "action_proposed"
    step("agent", "submit_for_review")
    for who in ("reviewer1", "reviewer2"):
        r = apis[who].post(f"/api/cases/{ref}/reviews/", {"decision": "approve"}, format="json")
        assert r.status_code == 201
    body = r.json()
    assert body["quorum"] == {
        "met": False,
        "approvals": 2,
        "needed": 3,
        "missing": ["1 more approver", "an approval by legal counsel"],
    }
    r = apis["counsel"].post(
        f"/api/cases/{ref}/reviews/", {"decision": "approve", "comment": "Lawful."}, format="json"
    )
    body = r.json()
    assert body["state"] == "approved"
    assert body["proposal"]["status"] == "approved"
    assert [t["action"] for t in body["timeline"]][-4:] == [
        "review.approve",
        "review.approve",
        "review.approve",
        "case.approve",
    ]
    last = body["timeline"][-1]
    assert (last["actor"], last["from_state"], last["to_state"]) == (
        "counsel",
        "in_review",
        "approved",
    )


@pytest.fixture
def in_review(case_in_review):
    return case_in_review("global_ban")


@pytest.mark.parametrize(
    ("who", "path", "body", "status", "message"),
    [
        ("agent", "steps/", {"step": "submit_for_review"}, 409, "Cannot submit for review"),
        ("agent", "steps/", {"step": "fly"}, 400, "invalid fields"),
        ("agent", "steps/", {}, 400, "invalid fields"),
        ("agent", "reviews/", {"decision": "approve"}, 403, "proposer"),
        ("auditor", "reviews/", {"decision": "approve"}, 403, "needs the role"),
        ("reviewer1", "reviews/", {"decision": "decline"}, 400, "Declining needs a reason"),
        ("reviewer1", "reviews/", {"decision": "sure"}, 400, "invalid fields"),
        ("agent", "proposal/", {"rationale": "x"}, 409, "Cannot propose action"),
        ("agent", "evidence/", {"url": "ftp://x"}, 400, "not a valid http(s) URL"),
        ("agent", "assignees/", {"username": "nobody"}, 400, "No staff member named"),
        ("crc", "steps/", {"step": "accept"}, 404, "No case"),
    ],
)
def test_bad_requests_get_a_4xx_naming_the_problem(
    apis, in_review, who, path, body, status, message
):
    before = db_snapshot()
    r = apis[who].post(f"/api/cases/{in_review.reference}/{path}", body, format="json")
    assert r.status_code == status, r.content
    assert message in r.json()["message"]
    assert db_snapshot() == before


def test_approving_twice_is_refused(apis, in_review):
    url = f"/api/cases/{in_review.reference}/reviews/"
    assert apis["reviewer1"].post(url, {"decision": "approve"}, format="json").status_code == 201
    before = db_snapshot()
    r = apis["reviewer1"].post(url, {"decision": "approve"}, format="json")
    assert r.status_code == 403
    assert "already reviewed" in r.json()["message"]
    assert db_snapshot() == before


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"kind": "siteban", "title": "x"}, 400, "invalid fields"),
        ({"title": "no kind"}, 400, "invalid fields"),
        ("not json at all", 400, "JSON parse error"),
        (
            {
                "kind": "global_ban",
                "title": "x",
                "subject": {"display_name": "X", "addresses": ["300.1.1.1"]},
            },
            400,
            "not an IP address",
        ),
        ({"kind": "global_ban", "title": "x", "team": "legal"}, 400, "belongs to Trust & Safety"),
        ({"kind": "dmca_takedown", "title": "x"}, 403, "needs the role of legal counsel"),
        ({"kind": "range_block", "title": "x", "enforces": "OA-NONE-NONE"}, 404, "No case"),
    ],
)
def test_bad_case_bodies_write_nothing(apis, body, status, message):
    before = db_snapshot()
    if isinstance(body, str):
        r = apis["agent"].post("/api/cases/", body, content_type="application/json")
    else:
        r = apis["agent"].post("/api/cases/", body, format="json")
    assert r.status_code == status, r.content
    assert message in r.json()["message"]
    assert db_snapshot() == before
    assert not Case.objects.exists()


def test_list_filters_are_validated(apis, in_review):
    ok = apis["agent"].get("/api/cases/?state=in_review&kind=global_ban")
    assert [c["reference"] for c in ok.json()["results"]] == [in_review.reference]
    assert apis["agent"].get("/api/cases/?state=in_review&kind=event_ban").json()["count"] == 0
    bad = apis["agent"].get("/api/cases/?state=sideways")
    assert bad.status_code == 400
    assert "state" in bad.json()["extra"]["fields"]


def test_the_catalog_is_served(apis):
    kinds = {k["code"]: k for k in apis["agent"].get("/api/kinds/").json()}
    assert len(kinds) == 9
    assert kinds["dmca_takedown"]["response_time"] == "7 business days"
    assert "including legal counsel" in kinds["global_ban"]["review"]


def test_the_schema_generates_without_warnings(tmp_path):
    # --fail-on-warn catches what validation cannot: clashing component names, unknown types.
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "s.yml"))


def test_the_openapi_schema_is_served_and_valid(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    validate(schema)
    paths = schema["paths"]
    for path in (
        "/api/cases/",
        "/api/cases/{reference}/",
        "/api/cases/{reference}/steps/",
        "/api/cases/{reference}/proposal/",
        "/api/cases/{reference}/reviews/",
    ):
        assert path in paths
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_the_api_docs_page_works_offline(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert b"cdn" not in response.content.lower()
