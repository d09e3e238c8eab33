"""A browser's HTTP side for tests against a real server: urllib with a cookie jar,
redirects not followed (tests look at where they lead)."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message
from http.cookiejar import CookieJar
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, HTTPRedirectHandler, Request, build_opener

from .conftest import csrf_token_from


class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Response:
    status: int
    headers: Message
    text: str

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


class WebClient:
    def __init__(self, base_url: str):
        self.base_url = base_url
        self.jar = CookieJar()
        self.opener = build_opener(HTTPCookieProcessor(self.jar), _NoRedirect)

    def request(
        self, method: str, path: str, data: dict | None = None, headers: dict | None = None
    ) -> Response:
        body = urlencode(data).encode() if data is not None else None
        request = Request(self.base_url + path, data=body, method=method, headers=headers or {})
        try:
            with self.opener.open(request, timeout=30) as response:
                return Response(response.status, response.headers, response.read().decode())
        except HTTPError as error:  # 3xx (not followed), 4xx, 5xx
            return Response(error.code, error.headers, error.read().decode())

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def submit(self, path: str, data: dict, page: str | None = None) -> Response:
        """POST a form with the CSRF token of `page` (default: the form's own page)."""
        token = csrf_token_from(self.get(page or path).text)
        return self.request("POST", path, {**data, "csrf_token": token})

    def login(self, email: str, password: str, remember: bool = False) -> Response:
        data = {"email": email, "password": password}
        if remember:
            data["remember"] = "y"
        return self.submit("/login", data)

    def logout(self) -> Response:
        return self.submit("/logout", {}, page="/")

    @property
    def cookies(self) -> dict[str, str]:
        return {cookie.name: cookie.value for cookie in self.jar}


def replay(base_url: str, path: str, cookies: dict[str, str]) -> Response:
    """A request carrying only these cookies, as someone who copied them would send it."""
    header = "; ".join(f"{name}={value}" for name, value in cookies.items())
    return WebClient(base_url).get(path, headers={"Cookie": header})
