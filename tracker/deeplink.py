"""A link opened before signing in: remember the page and its view, and go there after the login.

A local login happens in the same browser session (remembered in the session); a single sign-on leaves the app
and comes back in a new session, so the link also rides in a short-lived cookie. Both are user input: only a
known page name and the view's own keys are kept.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlparse

from tracker.state import KEYS

COOKIE = "tracker_next"
_PAGE = re.compile(r"^[a-z][a-z0-9-]{0,30}$")


def requested(url: str, params: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The page name (last path segment, '' for the home page) and the view's keys of an address."""
    path = urlparse(url or "").path.rstrip("/").rsplit("/", 1)[-1]
    page = path if _PAGE.match(path) else ""
    return page, {k: str(v)[:200] for k, v in params.items() if k in KEYS}


def encode(page: str, params: dict[str, str]) -> str:
    return quote(page + "?" + urlencode(params), safe="")


def decode(value: str | None) -> tuple[str, dict[str, str]] | None:
    if not value or not isinstance(value, str):
        return None
    page, _, query = unquote(value)[:1000].partition("?")
    if page and not _PAGE.match(page):
        return None
    return page, {k: v[:200] for k, v in parse_qsl(query) if k in KEYS}
