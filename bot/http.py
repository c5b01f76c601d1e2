"""PTB's HTTP layer on aiohttp, for bursts of concurrent Bot API calls.

PTB's default `HTTPXRequest` spends most of a busy morning inside httpx's connection pool:
measured against the local emulator, ~190 sendMessage/s with httpx against ~1,400/s with an
aiohttp client on the same machine (bench/checkin_burst.py shows the effect end to end).
`AiohttpRequest` implements the same `BaseRequest` contract — form fields as PTB encodes
them, multipart uploads, the four PTB timeouts, and PTB's error types (`TimedOut`,
`NetworkError`) — so everything above it (retries, the rate limiter, error handlers) is
unchanged. OUTPOST_HTTP_BACKEND picks it (default) or stock httpx.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import urllib.request
from typing import Any

import aiohttp
import certifi
import yarl
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

BACKENDS = ("aiohttp", "httpx")

# A timeout as PTB hands it over: seconds, None (no limit), or its marker for "not given"
# (BaseRequest.DEFAULT_NONE, whose type PTB keeps private).
Timeout = object

# The same defaults as PTB's HTTPXRequest, so switching backends changes speed, not patience.
DEFAULT_READ = 5.0
DEFAULT_WRITE = 5.0
DEFAULT_CONNECT = 5.0
DEFAULT_POOL = 1.0
DEFAULT_MEDIA_WRITE = 20.0


def without_nul(value: Any) -> Any:
    """The JSON value with every NUL character dropped from its strings.

    NUL carries no meaning in a chat, and SQLite's text functions stop at it (printf's %s
    among them: the CSV export renders lines with it), so it must never reach storage."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {k: without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_nul(v) for v in value]
    return value


class NulFreeJson:
    """Telegram's answers (updates among them) read without NUL characters."""

    @staticmethod
    def parse_json_payload(payload: bytes) -> Any:
        data = BaseRequest.parse_json_payload(payload)
        # JSON must escape NUL as \u0000: only such rare payloads pay for the copy.
        return without_nul(data) if b"\\u0000" in payload else data


class NulFreeHTTPXRequest(NulFreeJson, HTTPXRequest):
    pass


class AiohttpRequest(NulFreeJson, BaseRequest):
    """A `telegram.request.BaseRequest` on one aiohttp session with a bounded pool.

    Timeouts map onto aiohttp's as closely as it allows: connect -> sock_connect, read ->
    sock_read (between reads, as httpx's), pool + connect -> connect (aiohttp counts the wait
    for a free connection inside its connect timeout). aiohttp has no per-write timeout, so
    write only enters an overall bound on ordinary calls: the sum of all four, so a call can
    never hang longer than every phase's allowance together. File uploads and downloads get
    no overall bound (their size is unknown), only the per-read one.
    """

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = DEFAULT_READ,
        write_timeout: float | None = DEFAULT_WRITE,
        connect_timeout: float | None = DEFAULT_CONNECT,
        pool_timeout: float | None = DEFAULT_POOL,
        media_write_timeout: float | None = DEFAULT_MEDIA_WRITE,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        self._pool_size = connection_pool_size
        self._read = read_timeout
        self._write = write_timeout
        self._connect = connect_timeout
        self._pool = pool_timeout
        self._media_write = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, str] = {}
        self._proxy_for: dict[tuple[str, str], str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._proxies = _env_proxies()  # first: a bad proxy setting leaves nothing open
            self._proxy_for.clear()
            # The session must be born inside the running loop that will use it.
            connector = aiohttp.TCPConnector(
                limit=self._pool_size,
                limit_per_host=0,
                # httpx's trust store (certifi), so TLS to api.telegram.org verifies the same
                # on hosts without a system CA bundle.
                ssl=ssl.create_default_context(cafile=certifi.where()),
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": self.USER_AGENT},
                # The Bot API sets no cookies; skipping the jar skips its work per request.
                cookie_jar=aiohttp.DummyCookieJar(),
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        write_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        connect_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        pool_timeout: Timeout = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        timeout = self._timeout(
            read_timeout,
            write_timeout,
            connect_timeout,
            pool_timeout,
            media=bool(files),
            transfer=bool(files) or method != "POST",
        )
        body, headers = _body(request_data, files)
        target = _url(url)
        try:
            async with self._session.request(
                method,
                target,
                data=body,
                headers=headers,
                timeout=timeout,
                proxy=self._proxy(target),
            ) as resp:
                return resp.status, await resp.read()
        except (TimeoutError, asyncio.TimeoutError) as err:  # noqa: UP041 - 3.10 spelling too
            # aiohttp's ServerTimeoutError is both a ClientError and a TimeoutError: a timeout.
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err

    def _proxy(self, url: yarl.URL) -> str | None:
        """As httpx does: HTTP(S)_PROXY / NO_PROXY from the environment (where Telegram is
        blocked, the bot reaches it through one). Resolved once per host, not per request:
        aiohttp's own trust_env re-reads the environment and ~/.netrc on every call."""
        key = (url.scheme, url.host or "")
        if key not in self._proxy_for:
            # Undocumented in typeshed, but the stdlib function httpx and requests rely on.
            bypass = urllib.request.proxy_bypass_environment(  # type: ignore[attr-defined]
                key[1], self._proxies
            )
            self._proxy_for[key] = None if bypass else self._proxies.get(key[0])
        return self._proxy_for[key]

    @functools.lru_cache(maxsize=64)  # noqa: B019 - few distinct combinations, one instance
    def _timeout(
        self,
        read: Timeout,
        write: Timeout,
        connect: Timeout,
        pool: Timeout,
        *,
        media: bool,
        transfer: bool,
    ) -> aiohttp.ClientTimeout:
        r = _given(read, self._read)
        w = _given(write, self._media_write if media else self._write)
        c = _given(connect, self._connect)
        p = _given(pool, self._pool)
        phases = (r, w, c, p)
        # File uploads and downloads may rightly take longer than the sum (a big photo on a
        # slow link): like httpx, they are bounded per read, not as a whole.
        bounded = not transfer and all(x is not None for x in phases)
        total = sum(x for x in phases if x) if bounded else None
        acquire = None if c is None or p is None else c + p
        return aiohttp.ClientTimeout(total=total, connect=acquire, sock_connect=c, sock_read=r)


def _given(value: Timeout, default: float | None) -> float | None:
    """The timeout the caller chose, or ours when they left it unset (PTB's default marker)."""
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    return default


def _env_proxies() -> dict[str, str]:
    proxies = urllib.request.getproxies_environment()
    for scheme in ("http", "https"):
        proxy = proxies.get(scheme)
        if proxy and not proxy.lower().startswith(("http://", "https://")):
            raise ValueError(
                f"the aiohttp backend reaches Telegram through HTTP proxies only, not {proxy!r};"
                " set OUTPOST_HTTP_BACKEND=httpx (with python-telegram-bot[socks]) for SOCKS"
            )
    return proxies


_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _body(
    request_data: RequestData | None, files: dict[str, Any] | None
) -> tuple[Any, dict[str, str] | None]:
    """PTB's parameters as httpx would send them: a form, multipart when a file rides along."""
    if request_data is None:
        return None, None
    if not files:
        # Encoded once by PTB's own helper, handed over as bytes: no FormData round trip.
        encoded = request_data.url_encoded_parameters()
        return (encoded.encode(), _FORM) if encoded else (None, None)
    fields = request_data.json_parameters
    form = aiohttp.FormData(quote_fields=False)
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mime_type) in files.items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return form, None


_URLS: dict[str, yarl.URL] = {}


def _url(url: str) -> yarl.URL:
    """Parsed once per Bot API method URL (a handful); file downloads are parsed each time."""
    parsed = _URLS.get(url)
    if parsed is None:
        parsed = yarl.URL(url)
        if len(_URLS) < 256 and "/file/" not in url:
            _URLS[url] = parsed
    return parsed


# Telegram sometimes stalls for seconds. Waiting beats giving up: a send that timed out may
# still have been delivered, and retrying it would say everything twice.
CONNECT_S, TRANSFER_S = 10.0, 30.0


def make_requests(backend: str, pool_size: int) -> tuple[BaseRequest, BaseRequest]:
    """(request for bot methods, request for getUpdates), as ApplicationBuilder wants them."""
    if backend == "aiohttp":
        patient = AiohttpRequest(
            connection_pool_size=pool_size,
            connect_timeout=CONNECT_S,
            read_timeout=TRANSFER_S,
            write_timeout=TRANSFER_S,
            pool_timeout=TRANSFER_S,
        )
        return patient, AiohttpRequest(1)
    if backend == "httpx":
        stock = NulFreeHTTPXRequest(
            connection_pool_size=pool_size,
            connect_timeout=CONNECT_S,
            read_timeout=TRANSFER_S,
            write_timeout=TRANSFER_S,
            pool_timeout=TRANSFER_S,
        )
        return stock, NulFreeHTTPXRequest(1)
    raise ValueError(f"unknown HTTP backend {backend!r}; choose one of {', '.join(BACKENDS)}")
