"""Prometheus metrics for the server, on a registry of its own."""

from __future__ import annotations

import time
from collections.abc import Iterator

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from api.errors import Handler
from domain.banking.engine import MoneyEngine


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "swayam_http_requests_total",
            "HTTP requests by route and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "swayam_http_request_seconds",
            "HTTP request latency by route.",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
        )

    def watch_engine(self, engine: MoneyEngine) -> None:
        """Expose the money engine's own counters, read at scrape time."""
        self.registry.register(_EngineCollector(engine))

    def render(self) -> bytes:
        return bytes(generate_latest(self.registry))

    def middleware(self) -> object:
        @web.middleware
        async def measure(request: web.Request, handler: Handler) -> web.StreamResponse:
            started = time.perf_counter()
            resource = request.match_info.route.resource
            route = resource.canonical if resource is not None else "unmatched"
            status = 500
            try:
                response = await handler(request)
                status = response.status
                return response
            except web.HTTPException as exc:
                status = exc.status
                raise
            finally:
                self.requests.labels(request.method, route, str(status)).inc()
                self.latency.labels(request.method, route).observe(time.perf_counter() - started)

        return measure


class _EngineCollector:
    def __init__(self, engine: MoneyEngine) -> None:
        self._engine = engine

    def collect(self) -> Iterator[Metric]:
        commands = CounterMetricFamily(
            "swayam_money_commands",
            "Money commands by operation and outcome (ok, replayed, or an error code).",
            labels=["operation", "outcome"],
        )
        for (operation, outcome), n in sorted(self._engine.outcomes.items()):
            commands.add_metric([operation, outcome], n)
        yield commands
        yield CounterMetricFamily(
            "swayam_money_batches", "Group-commit batches committed.", value=self._engine.batches
        )


CONTENT_TYPE = CONTENT_TYPE_LATEST
