"""The Action API client against recorded replies (what a real wiki answered, kept as data).

The real wikis prove the local path (test_enforcement.py). These tests cover what no Debian
package can run here: GlobalBlocking's action=globalblock and CentralAuth's
action=setglobalaccountstatus, plus retries, token refresh and the userrights trap.
"""

import json
from urllib.parse import parse_qs

import httpx
import pytest

from officeactions.enforcement.models import Operation
from officeactions.enforcement.operations import perform
from officeactions.enforcement.wiki import WikiAccount, WikiClient, WikiError

LOGIN = [
    {"batchcomplete": True, "query": {"tokens": {"logintoken": "L+\\"}}},
    {"login": {"result": "Success", "lguserid": 2, "lgusername": "WMFOffice"}},
]


class Recorded:
    """Replays replies in order and keeps what was sent."""

    def __init__(self, replies):
        self.replies, self.sent = list(replies), []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        if request.method == "POST":
            params.update({k: v[0] for k, v in parse_qs(request.content.decode()).items()})
        self.sent.append(params)
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        status, headers, body = reply if isinstance(reply, tuple) else (200, {}, reply)
        return httpx.Response(status, headers=headers, content=json.dumps(body))


def client(replies) -> tuple[WikiClient, Recorded]:
    recorded = Recorded(replies)
    wiki = WikiClient(
        "https://meta.example/w/api.php",
        WikiAccount("WMFOffice@desk", "secret"),
        transport=httpx.MockTransport(recorded),
        backoff=0,
    )
    return wiki, recorded


def csrf(kind="csrf"):
    return {"batchcomplete": True, "query": {"tokens": {f"{kind}token": f"{kind}-token+\\"}}}


def test_a_global_ban_uses_globalblock_where_the_wiki_has_it():
    wiki, recorded = client(
        [
            *LOGIN,
            csrf(),
            {"globalblock": {"user": "198.51.100.0/24", "blocked": "", "expiry": "infinite"}},
            {
                "query": {
                    "globalblocks": [
                        {
                            "id": 7,
                            "address": "198.51.100.0/24",
                            "by": "WMFOffice",
                            "expiry": "infinity",
                        }
                    ]
                }
            },
        ]
    )
    op = Operation(
        wiki="metawiki",
        op="block",
        target="198.51.100.0/24",
        params={"extensions": ["GlobalBlocking"]},
    )
    state, message = perform(wiki, op, "Office action: global ban (OA-1)", "WMFOffice")
    assert (state, message) == ("verified", "Globally blocked (GlobalBlocking), no expiry.")
    block = recorded.sent[3]
    assert block["action"] == "globalblock"
    assert (block["target"], block["expiry"], block["token"]) == (
        "198.51.100.0/24",
        "infinite",
        "csrf-token+\\",
    )
    assert block["reason"] == "Office action: global ban (OA-1)"


def test_a_global_ban_locks_accounts_through_centralauth_with_its_own_token():
    wiki, recorded = client(
        [
            *LOGIN,
            csrf("setglobalaccountstatus"),
            {"setglobalaccountstatus": {"user": "Vandal", "locked": {"locked": True}}},
            {
                "query": {
                    "globaluserinfo": {"home": "enwiki", "id": 9, "name": "Vandal", "locked": True}
                }
            },
        ]
    )
    op = Operation(
        wiki="metawiki", op="block", target="Vandal", params={"extensions": ["CentralAuth"]}
    )
    assert perform(wiki, op, "reason", "WMFOffice")[0] == "verified"
    assert recorded.sent[2]["type"] == "setglobalaccountstatus"
    lock = recorded.sent[3]
    assert (lock["action"], lock["user"], lock["locked"]) == (
        "setglobalaccountstatus",
        "Vandal",
        "lock",
    )


def test_maxlag_and_network_errors_are_retried_then_reported():
    wiki, recorded = client(
        [
            httpx.ConnectError("refused"),
            {
                "error": {
                    "code": "maxlag",
                    "info": "Waiting for a database server: 6 seconds lagged",
                }
            },
            {"batchcomplete": True, "query": {"users": [{"name": "X", "missing": True}]}},
        ]
    )
    assert wiki.user("X")["missing"]
    assert len(recorded.sent) == 3
    down, _ = client([httpx.ConnectError("refused")] * 4)
    with pytest.raises(WikiError, match="unreachable") as error:
        down.user("X")
    assert not error.value.permanent


def test_a_stale_token_is_refreshed_once():
    wiki, recorded = client(
        [
            *LOGIN,
            csrf(),
            {"error": {"code": "badtoken", "info": "Invalid CSRF token."}},
            csrf(),
            {"unblock": {"id": 3, "user": "X", "reason": "r"}},
        ]
    )
    assert wiki.unblock("X", reason="r")["id"] == 3
    assert recorded.sent[-1]["action"] == "unblock"


def test_bad_credentials_say_so():
    wiki, _ = client(
        [LOGIN[0], {"login": {"result": "Failed", "reason": "Incorrect username or password."}}]
    )
    with pytest.raises(WikiError, match="login as WMFOffice@desk failed: Incorrect") as error:
        wiki.block("X", reason="r")
    assert error.value.permanent


def test_a_userrights_reply_that_changed_nothing_is_an_error():
    # Without the userrights grant, MediaWiki answers success and removes nothing.
    wiki, _ = client(
        [
            *LOGIN,
            csrf("userrights"),
            {"userrights": {"user": "Admin", "userid": 4, "added": [], "removed": []}},
            {"query": {"users": [{"name": "Admin", "groups": ["*", "user", "sysop"]}]}},
        ]
    )
    with pytest.raises(WikiError, match="changed nothing"):
        wiki.change_groups("Admin", reason="r", remove=["sysop"])
