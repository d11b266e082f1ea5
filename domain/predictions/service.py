"""Predictions for operators: churn, value, next best action, segment, importance, cards.

The service reads a customer's features from the bank at the clock's now
and scores them with the registry's served model. With no model on disk
yet it trains a small synthetic one first (seconds, once), so a fresh demo
answers without a separate training step.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

from domain.clock import Clock
from domain.db import Database
from domain.errors import InvalidInput, NotFound
from domain.predictions import artifacts, pipeline
from domain.predictions.artifacts import Loaded, Registry
from domain.predictions.features import FeatureMatrix, build_features
from domain.predictions.segments import SEGMENTS

_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
MAX_BATCH = 1000


def check_id(customer_id: str) -> str:
    if not _ID.fullmatch(customer_id):
        raise InvalidInput(
            "invalid_customer_id", "A customer id is 1-40 letters, digits, '_' or '-'."
        )
    return customer_id


class NoModel(NotFound):
    """No model version could be loaded or trained."""


class PredictionService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        data_dir: Path,
        *,
        quick_customers: int = pipeline.QUICK_CUSTOMERS,
    ) -> None:
        self._db = db
        self._clock = clock
        self._data_dir = data_dir
        self._quick = quick_customers
        self.registry = Registry(artifacts.models_dir(data_dir))
        self._lock = asyncio.Lock()
        self._single_threaded = False

    def _one_thread(self) -> None:
        # Once, for the process: scikit-learn's OpenMP workers spin while they wait,
        # which on a request-sized input (or a busy machine) costs far more than the
        # parallelism saves. Limiting per call costs milliseconds, so it is done once.
        if not self._single_threaded:
            ThreadpoolController().limit(limits=1, user_api="openmp")
            self._single_threaded = True

    # -- the model ---------------------------------------------------------------------

    async def reload(self) -> Loaded | None:
        """Pick up a newer version if one loads; keep the current one otherwise."""
        return await asyncio.to_thread(self.registry.reload)

    async def model(self) -> Loaded:
        """The served model, loading (or the first time, training) it if need be."""
        self._one_thread()
        current = self.registry.current
        if current is not None:
            newest = artifacts.versions(self.registry.root)[-1:]
            if newest and newest[0] > current.version and newest[0] not in self.registry.errors:
                await self.reload()  # trained since (``swayam models train``)
            return self.registry.current or current
        async with self._lock:
            if self.registry.current is None and await self.reload() is None:
                await self.train_quick()
                await self.reload()
        if self.registry.current is None:
            raise NoModel("no_model", "No prediction model could be loaded; see /ml/models.")
        return self.registry.current

    async def train_quick(self) -> pipeline.Trained:
        """Train the small synthetic model the demo and first use rely on."""
        return await pipeline.train_synthetic(
            self._data_dir, customers=self._quick, end=self._clock.now()
        )

    # -- one customer ----------------------------------------------------------------

    async def _features(self, customer_ids: Sequence[str]) -> FeatureMatrix:
        async with self._db.lookup() as conn:
            return await build_features(conn, self._clock.now(), customer_ids)

    async def _one(self, customer_id: str) -> tuple[Loaded, np.ndarray[Any, Any]]:
        check_id(customer_id)
        loaded = await self.model()
        matrix = await self._features([customer_id])
        if not matrix.customer_ids:
            raise NotFound("customer_not_found", f"No customer with id '{customer_id}'.")
        return loaded, matrix.values[0]

    def _head(self, loaded: Loaded, customer_id: str) -> dict[str, Any]:
        return {
            "customer_id": customer_id,
            "model_version": loaded.version,
            "as_of": self._clock.now().isoformat(),
        }

    async def churn(self, customer_id: str) -> dict[str, Any]:
        loaded, row = await self._one(customer_id)
        p = float(loaded.bundle.churn_probability(row.reshape(1, -1))[0])
        factors = loaded.bundle.factors(row, "churn")
        return {
            **self._head(loaded, customer_id),
            "churn_probability": round(p, 4),
            "horizon_days": 60,
            "top_factors": factors,
        }

    async def ltv(self, customer_id: str) -> dict[str, Any]:
        loaded, row = await self._one(customer_id)
        value = float(loaded.bundle.value(row.reshape(1, -1))[0])
        factors = loaded.bundle.factors(row, "ltv")
        return {
            **self._head(loaded, customer_id),
            "value_inr_per_year": round(value, 2),
            "top_factors": factors,
        }

    async def next_action(self, customer_id: str) -> dict[str, Any]:
        loaded, row = await self._one(customer_id)
        scores = loaded.bundle.score(row.reshape(1, -1))
        churn, value = float(scores.churn[0]), float(scores.ltv[0])
        actions = loaded.bundle.actions(row, churn, value)
        return {
            **self._head(loaded, customer_id),
            "churn_probability": round(churn, 4),
            "value_inr_per_year": round(value, 2),
            "actions": [a.to_json() for a in actions],
        }

    async def behavior(self, customer_id: str) -> dict[str, Any]:
        loaded, row = await self._one(customer_id)
        scores = loaded.bundle.score(row.reshape(1, -1))
        segment = str(scores.segment[0])
        features = dict(zip(loaded.bundle.features, (round(float(v), 4) for v in row), strict=True))
        return {
            **self._head(loaded, customer_id),
            "segment": segment,
            "description": SEGMENTS[segment],
            "churn_probability": round(float(scores.churn[0]), 4),
            "value_inr_per_year": round(float(scores.ltv[0]), 2),
            "features": features,
        }

    # -- many customers and the models -----------------------------------------------

    async def batch(self, customer_ids: Sequence[str]) -> dict[str, Any]:
        """Churn, value and segment for up to ``MAX_BATCH`` customers; all or nothing."""
        if not customer_ids or len(customer_ids) > MAX_BATCH:
            raise InvalidInput(
                "invalid_customer_ids", f"Send between 1 and {MAX_BATCH} customer ids."
            )
        for cid in customer_ids:
            check_id(cid)
        loaded = await self.model()
        async with self._db.reading() as conn:
            matrix = await build_features(conn, self._clock.now(), customer_ids)
        missing = [c for c in dict.fromkeys(customer_ids) if c not in set(matrix.customer_ids)]
        if missing:
            shown = ", ".join(f"'{c}'" for c in missing[:5])
            more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            raise NotFound("customer_not_found", f"No customer with id {shown}{more}.")
        scores = await asyncio.to_thread(loaded.bundle.score, matrix.values)
        return {
            "model_version": loaded.version,
            "as_of": self._clock.now().isoformat(),
            "items": [
                {
                    "customer_id": cid,
                    "churn_probability": round(float(scores.churn[i]), 4),
                    "value_inr_per_year": round(float(scores.ltv[i]), 2),
                    "segment": str(scores.segment[i]),
                }
                for i, cid in enumerate(matrix.customer_ids)
            ],
        }

    async def feature_importance(self) -> dict[str, Any]:
        loaded = await self.model()
        return {"model_version": loaded.version, **loaded.bundle.importance}

    async def models(self) -> dict[str, Any]:
        loaded = await self.model()
        return {"served_version": loaded.version, "items": self.registry.cards()}
