"""Webhook receiver latency: N signed ION deliveries, one after another, each answered only
after its event is in the ledger inbox (SQLite, or ION_SYNC_DATABASE_URL). Prints p50/p95/max
latency and deliveries per second; the last line is `p50_ms=<..> p95_ms=<..> per_s=<..>`."""

from __future__ import annotations

import hashlib
import hmac
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime

import httpx
from pydantic import SecretStr

from ion_sync.webhooks.app import create_app
from ion_sync.webhooks.sources import IonWebhookSettings, WebhookSource, parse_ion
from ledger.inbox import Inbox
from ledger.store import Ledger
from sandbox.server import start

SECRET = "bench-secret"


def main(count: int = 500) -> None:
    url = f"sqlite:///{tempfile.mkdtemp()}/ledger.db"
    ledger = Ledger(url)
    source = WebhookSource("ion", IonWebhookSettings(secret=SecretStr(SECRET)), parse_ion)
    server = start(create_app(ledger, {"ion": source}))
    latencies = []
    with httpx.Client(base_url=server.url) as client:
        started = time.perf_counter()
        for i in range(count):
            body = json.dumps(
                {
                    "event_id": i,
                    "resource": "RUN",
                    "action": "UPDATE",
                    "data": {"id": i, "status": "COMPLETE"},
                    "timestamp": datetime.now(UTC).isoformat(),
                }
            ).encode()
            signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            t0 = time.perf_counter()
            answer = client.post("/webhooks/ion", content=body, headers={"x-ion-signature": signature})
            latencies.append(time.perf_counter() - t0)
            assert answer.status_code == 200, answer.text
        elapsed = time.perf_counter() - started
    server.stop()
    assert Inbox(ledger).backlog().pending == count
    ms = sorted(x * 1000 for x in latencies)
    p50, p95 = statistics.median(ms), ms[int(len(ms) * 0.95) - 1]
    print(f"{count} deliveries: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {ms[-1]:.1f} ms, {count / elapsed:.0f}/s")
    print(f"p50_ms={p50:.1f} p95_ms={p95:.1f} per_s={count / elapsed:.0f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
