"""One HTTP client for the tests' own calls to the simulators and servers. A module-level
httpx call opens a client, and so builds an SSL context, per call: 20 ms of CPU each,
measured at a quarter of a test process's CPU. Cookies are never kept, so calls stay independent.
An idle connection is dropped after 2 s, before uvicorn closes it (its keep-alive timeout is 5 s):
reusing one the server was closing failed a fixture's reset once with "Server disconnected
without sending a response" (a fresh-clone .ci/run on 3 December)."""

from __future__ import annotations

from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpx

HTTP = httpx.Client(
    timeout=120,
    cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
    limits=httpx.Limits(keepalive_expiry=2),
)
