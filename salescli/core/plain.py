"""The configuration as plain data: what reports, `today` and `stale` need of the
settings, pipelines and price list (salescli/config.py reads and caches it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from functools import cached_property
from typing import Any


@dataclass
class Config:
    """What reports need of the settings, pipelines and price list, as plain data."""

    currency: str = "EUR"
    default_pipeline: str = "default"
    fx: dict[str, Decimal] = field(default_factory=dict)
    sla_days: int = 2
    follow_up_days: int = 14
    stages: dict[str, list[tuple[str, Decimal]]] = field(default_factory=dict)
    max_days: dict[str, dict[str, int]] = field(default_factory=dict)  # pipeline: stage: days
    owners: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    after_sales_days: int = 90  # 0: `today` lists no after-sales check-ins
    products_loader: Callable[[], Any] | None = None  # read only if a deal needs pricing
    approval_threshold: Decimal = Decimal(15)
    approvers: dict[str, Decimal] = field(default_factory=dict)  # owner ID: largest discount
    checklists: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # pipeline: stage
    quote_validity_days: int = 30  # a sent quote expires this long after its date
    broken: dict[str, str] = field(default_factory=dict)  # pipeline: why it cannot be read

    def pipeline_or_default(self, pipeline: str | None) -> str:
        """The pipeline a deal naming `pipeline` is in: one rule, as Settings.pipeline_of."""
        return pipeline or self.default_pipeline

    def stages_of(self, pipeline: str | None) -> list[tuple[str, Decimal]]:
        """(stage, probability) of the pipeline, in order; one that cannot be read is
        the error (its deals are not counted at 0 %): [] for one with no file."""
        from salescli.core.errors import SalescliError

        name = self.pipeline_or_default(pipeline)
        if name in self.broken:
            raise SalescliError(self.broken[name])
        return self.stages.get(name, [])

    def stage_ids(self, pipeline: str | None) -> list[str]:
        return [s for s, _ in self.stages_of(pipeline)]

    def stage_probability(self, pipeline: str | None, stage: str | None) -> Decimal:
        for s, prob in self.stages_of(pipeline):
            if s == stage:
                return prob
        return Decimal(0)

    @cached_property
    def products(self) -> Any:
        return self.products_loader() if self.products_loader else None
