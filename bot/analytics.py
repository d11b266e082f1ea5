"""Where the assistant succeeds and fails, from text-free events and feedback."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select

from domain import schema
from domain.db import Database

# Confidence buckets for the distribution: [lower, upper).
BUCKETS = ((0.0, 0.3), (0.3, 0.5), (0.5, 0.7), (0.7, 0.9), (0.9, 1.01))


async def assistant_analytics(db: Database, since: datetime | None = None) -> dict[str, Any]:
    e, f = schema.assistant_events, schema.chat_feedback
    turns = select(e).where(e.c.kind == "turn")
    tasks = select(e).where(e.c.kind == "task")
    if since is not None:
        turns = turns.where(e.c.created_at >= since)
        tasks = tasks.where(e.c.created_at >= since)
    t, k = turns.subquery(), tasks.subquery()
    async with db.reading() as conn:
        by_intent = [
            {"intent": r.intent, "count": r.n}
            for r in await conn.execute(
                select(t.c.intent, func.count().label("n"))
                .group_by(t.c.intent)
                .order_by(func.count().desc(), t.c.intent)
            )
        ]
        total = sum(i["count"] for i in by_intent)
        fallbacks = (await conn.execute(select(func.count()).where(t.c.fallback))).scalar_one()
        oos = (
            await conn.execute(select(func.count()).where(t.c.intent == "out_of_scope"))
        ).scalar_one()
        distribution = []
        for lo, hi in BUCKETS:
            n = (
                await conn.execute(
                    select(func.count()).where(t.c.confidence >= lo, t.c.confidence < hi)
                )
            ).scalar_one()
            distribution.append({"from": lo, "to": min(hi, 1.0), "count": n})
        outcomes: dict[str, dict[str, int]] = {}
        for r in await conn.execute(
            select(k.c.intent, k.c.outcome, func.count().label("n")).group_by(
                k.c.intent, k.c.outcome
            )
        ):
            outcomes.setdefault(r.intent, {})[r.outcome] = r.n
        feedback_q = select(
            f.c.intent,
            func.count().label("n"),
            func.sum(case((f.c.helpful, 1), else_=0)).label("helpful"),
        ).group_by(f.c.intent)
        if since is not None:
            feedback_q = feedback_q.where(f.c.created_at >= since)
        feedback = [
            {
                "intent": r.intent,
                "ratings": r.n,
                "helpful": int(r.helpful or 0),
                "helpful_rate": round(int(r.helpful or 0) / r.n, 4) if r.n else None,
            }
            for r in await conn.execute(feedback_q)
        ]
    tasks_out = []
    for intent, counts in sorted(outcomes.items()):
        started = sum(counts.values())
        tasks_out.append(
            {
                "intent": intent,
                "started": started,
                **{o: counts.get(o, 0) for o in ("completed", "cancelled", "abandoned", "failed")},
                "completion_rate": round(counts.get("completed", 0) / started, 4),
                "abandonment_rate": round(counts.get("abandoned", 0) / started, 4),
            }
        )
    return {
        "turns": total,
        "intents": by_intent,
        "fallback_rate": round(fallbacks / total, 4) if total else 0.0,
        "out_of_scope_rate": round(oos / total, 4) if total else 0.0,
        "confidence_distribution": distribution,
        "tasks": tasks_out,
        "feedback": feedback,
    }
