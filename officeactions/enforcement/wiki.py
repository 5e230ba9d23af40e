"""A thin client for the MediaWiki Action API, over httpx.

Why httpx and not mwclient or pywikibot: we need exact control of what is sent (formatversion=2,
maxlag, POST for writes, the separate userrights token), of retries, and of the errors we report,
and a client whose transport tests can replace with recorded replies. Both libraries would stand
between us and the API exactly where we need to see it.

Reference: https://www.mediawiki.org/wiki/API:Main_page (and API:Block, API:Protect,
API:User_group_membership, API:Logevents).
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx


def is_address(target: str) -> bool:
    try:
        ipaddress.ip_network(target, strict=False)
    except ValueError:
        return False
    return True


class WikiError(Exception):
    """A wiki refused or failed. ``permanent``: retrying the same call will not help."""

    def __init__(self, message: str, *, code: str = "", permanent: bool = False) -> None:
        super().__init__(message)
        self.message, self.code, self.permanent = message, code, permanent


RETRY_CODES = {"maxlag", "ratelimited", "readonly", "internal_api_error_DBQueryError"}
# "Already in the wanted state" answers: the operation is done, not failed.
ALREADY = {"alreadyblocked"}


@dataclass
class WikiAccount:
    username: str  # "User@appid" for a bot password
    password: str


class WikiClient:
    def __init__(
        self,
        api_url: str,
        account: WikiAccount,
        *,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.5,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.api_url, self.account = api_url, account
        self.retries, self.backoff = retries, backoff
        self.http = httpx.Client(
            timeout=timeout,
            transport=transport,
            headers={"User-Agent": "OfficeActionsDesk/0.1 (office actions enforcement)"},
        )
        self._tokens: dict[str, str] = {}
        self._logged_in = False

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> WikiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transport -----------------------------------------------------------------------

    def _call(self, params: dict[str, Any], *, post: bool = False) -> dict[str, Any]:
        params = {"format": "json", "formatversion": "2", **params}
        if post:
            params.setdefault("maxlag", "5")
        attempt = 0
        while True:
            attempt += 1
            try:
                if post:
                    response = self.http.post(self.api_url, data=params)
                else:
                    response = self.http.get(self.api_url, params=params)
                if response.status_code >= 500:
                    raise WikiError(f"HTTP {response.status_code} from {self.api_url}")
                response.raise_for_status()
                body = response.json()
            except (httpx.TransportError, WikiError, ValueError) as exc:
                if attempt > self.retries:
                    message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
                    raise WikiError(f"{self.api_url} unreachable: {message}") from exc
                time.sleep(self.backoff * 2 ** (attempt - 1))
                continue
            except httpx.HTTPStatusError as exc:
                raise WikiError(
                    f"HTTP {exc.response.status_code} from {self.api_url}", permanent=True
                ) from exc
            error = body.get("error")
            if error and error.get("code") in RETRY_CODES and attempt <= self.retries:
                lag = float(response.headers.get("Retry-After", 0) or 0)
                time.sleep(max(lag, self.backoff * 2 ** (attempt - 1)))
                continue
            return body

    @staticmethod
    def _raise(body: dict[str, Any], what: str) -> None:
        error = body.get("error")
        if error:
            raise WikiError(
                f"{what}: {error.get('code')}: {error.get('info')}",
                code=error.get("code", ""),
                permanent=error.get("code") not in RETRY_CODES,
            )

    # -- session -------------------------------------------------------------------------

    def login(self) -> None:
        token = self._call({"action": "query", "meta": "tokens", "type": "login"})
        self._raise(token, "login token")
        body = self._call(
            {
                "action": "login",
                "lgname": self.account.username,
                "lgpassword": self.account.password,
                "lgtoken": token["query"]["tokens"]["logintoken"],
            },
            post=True,
        )
        self._raise(body, "login")
        result = body.get("login", {})
        if result.get("result") != "Success":
            raise WikiError(
                f"login as {self.account.username} failed: "
                f"{result.get('reason') or result.get('result')}",
                code="badlogin",
                permanent=True,
            )
        self._logged_in, self._tokens = True, {}

    def token(self, kind: str = "csrf") -> str:
        if not self._logged_in:
            self.login()
        if kind not in self._tokens:
            body = self._call({"action": "query", "meta": "tokens", "type": kind})
            self._raise(body, f"{kind} token")
            self._tokens[kind] = body["query"]["tokens"][f"{kind}token"]
        return self._tokens[kind]

    def write(self, params: dict[str, Any], *, token_type: str = "csrf") -> dict[str, Any]:
        """A POST with a token; a stale token is refreshed once."""
        for _ in range(2):
            body = self._call({**params, "token": self.token(token_type)}, post=True)
            code = body.get("error", {}).get("code")
            if code in ("badtoken", "notloggedin", "assertuserfailed"):
                self._tokens.clear()  # a stale token; a lost session needs a new login too
                self._logged_in = code == "badtoken"
                continue
            return body
        self._raise(body, params.get("action", "write"))
        return body

    # -- reads ---------------------------------------------------------------------------

    def query(self, **params: Any) -> dict[str, Any]:
        body = self._call({"action": "query", **params})
        self._raise(body, "query")
        return body.get("query", {})

    def user(self, name: str) -> dict[str, Any]:
        """Groups and block of a user; ``{"missing": True}`` when there is no such account."""
        users = self.query(list="users", ususers=name, usprop="groups|blockinfo").get("users", [])
        return users[0] if users else {"missing": True}

    def group_names(self) -> set[str]:
        """The user groups this wiki has (meta=siteinfo, siprop=usergroups)."""
        groups = self.query(meta="siteinfo", siprop="usergroups").get("usergroups", [])
        return {g["name"] for g in groups}

    def blocks(self, target: str) -> list[dict[str, Any]]:
        """Blocks on a user, or covering an IP or range."""
        key = "bkip" if is_address(target) else "bkusers"
        return self.query(
            list="blocks", **{key: target}, bkprop="id|user|by|timestamp|expiry|reason|range|flags"
        ).get("blocks", [])

    def protection(self, title: str) -> dict[str, Any]:
        pages = self.query(prop="info", inprop="protection", titles=title).get("pages", [])
        return pages[0] if pages else {"missing": True}

    def page_text(self, title: str) -> str | None:
        pages = self.query(prop="revisions", rvprop="content", rvslots="main", titles=title).get(
            "pages", []
        )
        if not pages or pages[0].get("missing"):
            return None
        return pages[0]["revisions"][0]["slots"]["main"]["content"]

    LOG_TYPES = ("block", "protect", "rights", "delete", "create", "suppress")

    def log_events(
        self, *, start_id: int = 0, since: str | None = None, max_pages: int = 50
    ) -> list[dict[str, Any]]:
        """Log entries after ``start_id`` (and from ``since``, a timestamp), oldest first,
        following continuation so that a busy interval loses nothing."""
        events: list[dict[str, Any]] = []
        for letype in self.LOG_TYPES:
            params: dict[str, Any] = {
                "list": "logevents",
                "letype": letype,
                "leprop": "ids|title|type|user|timestamp|comment|details",
                "ledir": "newer",
                "lelimit": "500",
            }
            if since:
                params["lestart"] = since
            for _ in range(max_pages):
                body = self._call({"action": "query", **params})
                if body.get("error"):
                    break  # a log this account may not read (the suppression log, say)
                events += body.get("query", {}).get("logevents", [])
                if "continue" not in body:
                    break
                params.update(body["continue"])
        return sorted((e for e in events if e["logid"] > start_id), key=lambda e: e["logid"])

    # -- writes --------------------------------------------------------------------------

    def block(self, target: str, *, reason: str, expiry: str = "infinite") -> dict[str, Any]:
        """Sitewide, account creation off, autoblock on, email and own talk page off."""
        body = self.write(
            {
                "action": "block",
                "user": target,
                "expiry": expiry,
                "reason": reason,
                "nocreate": "1",
                "autoblock": "1",
                "noemail": "1",
                "reblock": "1",
            }
        )
        if body.get("error", {}).get("code") in ALREADY:
            return {"already": True}
        self._raise(body, f"block {target}")
        return body["block"]

    def unblock(self, target: str, *, reason: str) -> dict[str, Any]:
        body = self.write({"action": "unblock", "user": target, "reason": reason})
        if body.get("error", {}).get("code") in ("cantunblock", "blockedasrange"):
            return {"already": True}
        self._raise(body, f"unblock {target}")
        return body["unblock"]

    def protect(
        self, title: str, *, reason: str, level: str = "sysop", expiry: str = "infinite"
    ) -> dict[str, Any]:
        protections = "edit=all|move=all" if level == "all" else f"edit={level}|move={level}"
        body = self.write(
            {
                "action": "protect",
                "title": title,
                "protections": protections,
                "expiry": expiry if level != "all" else "infinite",
                "reason": reason,
            }
        )
        self._raise(body, f"protect {title}")
        return body["protect"]

    def edit(
        self, title: str, *, summary: str, text: str | None = None, prepend: str | None = None
    ) -> dict[str, Any]:
        params = {"action": "edit", "title": title, "summary": summary, "nocreate": "1"}
        if text is not None:
            params["text"] = text
        if prepend is not None:
            params["prependtext"] = prepend
        body = self.write(params)
        self._raise(body, f"edit {title}")
        return body["edit"]

    def change_groups(
        self, user: str, *, reason: str, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> dict[str, Any]:
        params = {"action": "userrights", "user": user, "reason": reason}
        if add:
            params["add"] = "|".join(add)
        if remove:
            params["remove"] = "|".join(remove)
        body = self.write(params, token_type="userrights")
        self._raise(body, f"userrights {user}")
        result = body["userrights"]
        # Without the userrights grant the API answers success and changes nothing.
        done = set(result.get("added", [])) | set(result.get("removed", []))
        if set(add) | set(remove) and not done:
            current = set(self.user(user).get("groups", []))
            if set(remove) & current or set(add) - current:
                raise WikiError(
                    f"userrights {user}: the wiki changed nothing (is the userrights grant "
                    "missing from the bot password?)",
                    code="userrights-noop",
                    permanent=True,
                )
        return result

    def create_account(self, name: str, password: str, *, reason: str = "") -> None:
        """Create an account (for demos and tests); an existing one is left as it is."""
        body = self._call(
            {
                "action": "createaccount",
                "username": name,
                "password": password,
                "retype": password,
                "reason": reason,
                "createreturnurl": "http://127.0.0.1/",
                "createtoken": self.token("createaccount"),
            },
            post=True,
        )
        result = body.get("createaccount", {})
        if result.get("status") == "PASS" or result.get("messagecode") == "userexists":
            return
        self._raise(body, f"createaccount {name}")
        raise WikiError(f"createaccount {name}: {result.get('message', result)}", permanent=True)

    def exists(self, title: str) -> bool:
        pages = self.query(prop="info", titles=title).get("pages", [])
        return bool(pages) and not pages[0].get("missing")

    def revision(self, revid: int) -> dict[str, Any] | None:
        pages = self.query(
            prop="revisions", revids=str(revid), rvprop="ids|user|flags|content", rvslots="main"
        ).get("pages", [])
        if not pages or "revisions" not in pages[0]:
            return None
        return {**pages[0]["revisions"][0], "title": pages[0]["title"]}

    def latest_revision(self, title: str) -> dict[str, Any] | None:
        pages = self.query(prop="revisions", titles=title, rvprop="ids|user").get("pages", [])
        return pages[0]["revisions"][0] if pages and "revisions" in pages[0] else None

    def creator(self, title: str) -> str | None:
        pages = self.query(
            prop="revisions", titles=title, rvprop="user", rvdir="newer", rvlimit="1"
        ).get("pages", [])
        return pages[0]["revisions"][0]["user"] if pages and "revisions" in pages[0] else None

    def delete(self, title: str, *, reason: str) -> dict[str, Any]:
        body = self.write({"action": "delete", "title": title, "reason": reason})
        if body.get("error", {}).get("code") == "missingtitle":
            return {"already": True}
        self._raise(body, f"delete {title}")
        return body["delete"]

    def undelete(self, title: str, *, reason: str) -> dict[str, Any]:
        body = self.write({"action": "undelete", "title": title, "reason": reason})
        self._raise(body, f"undelete {title}")
        return body["undelete"]

    def hide_revision(
        self, revid: int, *, reason: str, suppress: bool = False, show: bool = False
    ) -> dict[str, Any]:
        """Revision deletion (``show`` undoes it); with ``suppress`` even administrators cannot
        see it."""
        body = self.write(
            {
                "action": "revisiondelete",
                "type": "revision",
                "ids": str(revid),
                "show" if show else "hide": "content|comment|user",
                "suppress": "yes" if suppress else "nochange",
                "reason": reason,
            }
        )
        self._raise(body, f"revisiondelete {revid}")
        return body["revisiondelete"]

    # -- extensions (CentralAuth, GlobalBlocking) ----------------------------------------

    def global_unblock(self, target: str, *, reason: str) -> dict[str, Any]:
        body = self.write(
            {"action": "globalblock", "target": target, "unblock": "1", "reason": reason}
        )
        self._raise(body, f"globalblock unblock {target}")
        return body["globalblock"]

    def global_unlock(self, user: str, *, reason: str) -> dict[str, Any]:
        body = self.write(
            {
                "action": "setglobalaccountstatus",
                "user": user,
                "locked": "unlock",
                "reason": reason,
            },
            token_type="setglobalaccountstatus",
        )
        self._raise(body, f"setglobalaccountstatus {user}")
        return body["setglobalaccountstatus"]

    def global_block(self, target: str, *, reason: str, expiry: str = "infinite") -> dict[str, Any]:
        """GlobalBlocking's action=globalblock; only on wikis that have the extension."""
        body = self.write(
            {"action": "globalblock", "target": target, "expiry": expiry, "reason": reason}
        )
        self._raise(body, f"globalblock {target}")
        return body["globalblock"]

    def global_blocks(self, target: str) -> list[dict[str, Any]]:
        return self.query(list="globalblocks", bgip=target, bgprop="id|address|by|expiry").get(
            "globalblocks", []
        )

    def global_locked(self, user: str) -> bool:
        info = self.query(meta="globaluserinfo", guiuser=user).get("globaluserinfo", {})
        return "locked" in info and info["locked"] is not False

    def global_lock(self, user: str, *, reason: str) -> dict[str, Any]:
        """CentralAuth's action=setglobalaccountstatus (locked=lock); needs its own token."""
        body = self.write(
            {"action": "setglobalaccountstatus", "user": user, "locked": "lock", "reason": reason},
            token_type="setglobalaccountstatus",
        )
        self._raise(body, f"setglobalaccountstatus {user}")
        return body["setglobalaccountstatus"]
