"""The CI gate: minimum scores read from evals/thresholds.toml (the one place they live), checked
against a run's summary. CLI options override single values for a run.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, ValidationError

if TYPE_CHECKING:
    from evals.runner import Summary

DEFAULT_THRESHOLDS = Path(__file__).parent / "thresholds.toml"


class ThresholdsError(ValueError):
    """thresholds.toml is missing, not TOML, or holds an unknown key or an out-of-range value."""


class Thresholds(BaseModel):
    """Gate minimums (and one maximum); a missing key is not checked."""

    model_config = ConfigDict(extra="forbid")

    min_accuracy: float | None = Field(None, ge=0, le=1)
    min_lead_and_cited: float | None = Field(None, ge=0, le=1)
    min_citation_support: float | None = Field(None, ge=0, le=1)
    min_citation_precision: float | None = Field(None, ge=0, le=1)
    min_refusal: float | None = Field(None, ge=0, le=1)
    max_false_refusal: float | None = Field(None, ge=0, le=1)
    min_recall_at_5: float | None = Field(None, ge=0, le=1)


# threshold name -> (summary field, "min" or "max")
GATED_METRICS = {
    "min_accuracy": ("answer_accuracy", "min"),
    "min_lead_and_cited": ("lead_and_cited", "min"),
    "min_citation_support": ("citation_support", "min"),
    "min_citation_precision": ("citation_precision", "min"),
    "min_refusal": ("refusal_accuracy", "min"),
    "max_false_refusal": ("false_refusal_rate", "max"),
    "min_recall_at_5": ("recall_at_5", "min"),
}


class GateCheck(BaseModel):
    metric: str
    kind: str  # "min" or "max"
    threshold: float
    value: float | None  # None: no question in the file measures this metric
    passed: bool


class Gate(BaseModel):
    """passed is True when every check passed (and when there were no checks)."""

    passed: bool
    checks: list[GateCheck]

    def failures(self) -> list[GateCheck]:
        return [c for c in self.checks if not c.passed]


def load_thresholds(path: Path = DEFAULT_THRESHOLDS) -> Thresholds:
    """Read the [gate] table of a thresholds file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return Thresholds.model_validate(data.get("gate", {}))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ThresholdsError(f"{path}: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ThresholdsError(f"{path}: [gate] {'.'.join(map(str, first['loc']))}: {first['msg']}") from None


def check_gate(summary: Summary, thresholds: Thresholds) -> Gate:
    checks = []
    for name, (metric, kind) in GATED_METRICS.items():
        threshold = getattr(thresholds, name)
        if threshold is None:
            continue
        value = getattr(summary, metric)
        # A metric no question measures (a file without unanswerable questions) is reported, not failed:
        # the gold-set tests guarantee the default file measures every gated metric.
        ok = value is None or (value >= threshold if kind == "min" else value <= threshold)
        checks.append(GateCheck(metric=metric, kind=kind, threshold=threshold, value=value, passed=ok))
    return Gate(passed=all(c.passed for c in checks), checks=checks)
