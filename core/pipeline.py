"""The pipeline: the open stages a lead moves through, in order, each with its norm in days.

A lead starts at the first stage (`new`) and ends as won or lost, which are not part of the
list. Reps move it one stage forward or back with a button; a first contact moves a new
lead to the second stage, and rating it hot or warm moves it to `qualified` when the
pipeline has that stage. Each stage's norm says how many days a lead may sit in it before
it counts as stalled (`Pipeline.is_stalled`); alerting on stalled leads is left to the
time rules.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

NEW = "new"
CONTACTED = "contacted"
QUALIFIED = "qualified"
WON = "won"
LOST = "lost"
CLOSED_STAGES = frozenset({WON, LOST})
DEFAULT_STAGES = (NEW, CONTACTED, QUALIFIED, "meeting", "proposal")
DEFAULT_NORMS: Mapping[str, int] = {CONTACTED: 3, QUALIFIED: 7, "meeting": 7, "proposal": 14}

_STAGE_NAME = re.compile(r"[a-z][a-z0-9_-]{0,23}")


class PipelineError(ValueError):
    """The configured stages or norms cannot make a pipeline; the message says why."""


@dataclass(frozen=True)
class Pipeline:
    """The ordered open stages and the norm of each, in days."""

    stages: tuple[str, ...] = DEFAULT_STAGES
    norms: Mapping[str, int] | None = None

    def __post_init__(self) -> None:
        if self.norms is None:  # the default norms of the stages that have one
            defaults = {s: d for s, d in DEFAULT_NORMS.items() if s in self.stages}
            object.__setattr__(self, "norms", defaults)
        if not self.stages or self.stages[0] != NEW:
            raise PipelineError(f"The pipeline must start with {NEW!r}.")
        if len(set(self.stages)) != len(self.stages):
            raise PipelineError("Each stage may appear only once.")
        for stage in self.stages:
            if stage in CLOSED_STAGES:
                raise PipelineError(f"{stage!r} always ends the pipeline; do not list it.")
            if not _STAGE_NAME.fullmatch(stage):
                raise PipelineError(
                    f"Stage {stage!r} must be a lower-case word of up to 24 letters, "
                    "digits, '-' or '_'."
                )
        unknown = sorted(set(self._norms) - set(self.stages))
        if unknown:
            raise PipelineError(f"Norms name stages that are not in the pipeline: {unknown}.")
        if any(days <= 0 for days in self._norms.values()):
            raise PipelineError("Stage norms are whole days above zero.")

    @property
    def _norms(self) -> Mapping[str, int]:
        return self.norms or {}

    @classmethod
    def parse(cls, stages: str, norms: str = "") -> "Pipeline":
        """Read `new,contacted,...` and `contacted=3,meeting=7`; no norms: the defaults."""
        names = tuple(part.strip().lower() for part in stages.split(",") if part.strip())
        return cls(names, _parse_norms(norms) if norms.strip() else None)

    def position(self, stage: str) -> int:
        """Tell where a stage stands: 0 for new, len(stages) for won or lost."""
        return self.stages.index(stage) if stage in self.stages else len(self.stages)

    def next_after(self, stage: str) -> str | None:
        """Name the stage after this one, or None at the last open stage."""
        at = self.position(stage)
        return self.stages[at + 1] if at + 1 < len(self.stages) else None

    def previous_before(self, stage: str) -> str | None:
        """Name the stage before this one; a lead never goes back to new."""
        at = self.position(stage)
        return self.stages[at - 1] if 1 < at < len(self.stages) else None

    def after_contact(self, stage: str) -> str:
        """Tell where a first contact moves a lead: from the first stage to the second."""
        if stage == NEW and len(self.stages) > 1:
            return self.stages[1]
        return stage

    def after_rating(self, stage: str) -> str:
        """Tell where rating a lead hot or warm moves it: up to `qualified`, never back."""
        if QUALIFIED in self.stages and self.position(stage) < self.position(QUALIFIED):
            return QUALIFIED
        return stage

    def norm(self, stage: str) -> int | None:
        """Give a stage's norm in days, if it has one."""
        return self._norms.get(stage)

    def is_stalled(self, stage: str, since: datetime, now: datetime) -> bool:
        """Tell whether a lead that entered `stage` at `since` has sat there past its norm."""
        days = self.norm(stage)
        return days is not None and now - since > timedelta(days=days)


def _parse_norms(text: str) -> dict[str, int]:
    norms: dict[str, int] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        stage, _, days = item.partition("=")
        if not days.strip().isdigit():
            raise PipelineError(f"Write each norm as stage=days, e.g. meeting=7; got {item!r}.")
        norms[stage.strip().lower()] = int(days)
    return norms


DEFAULT_PIPELINE = Pipeline()
