"""Tests for core.pipeline: the configured stages, their order and their norms."""

from datetime import UTC, datetime, timedelta

import pytest

from core.pipeline import DEFAULT_PIPELINE, Pipeline, PipelineError

MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_default_pipeline_runs_new_to_proposal_with_norms() -> None:
    assert DEFAULT_PIPELINE.stages == ("new", "contacted", "qualified", "meeting", "proposal")
    assert [DEFAULT_PIPELINE.norm(s) for s in DEFAULT_PIPELINE.stages] == [None, 3, 7, 7, 14]


def test_parse_reads_stages_and_norms() -> None:
    pipeline = Pipeline.parse("new, Contacted, demo, contract", "demo=5,contract=10")

    assert pipeline.stages == ("new", "contacted", "demo", "contract")
    assert dict(pipeline.norms) == {"demo": 5, "contract": 10}


@pytest.mark.parametrize(
    ("stages", "norms", "message"),
    [
        ("contacted,new", "", "must start with 'new'"),
        ("new,demo,demo", "", "only once"),
        ("new,won", "", "always ends the pipeline"),
        ("new,Big Deal", "", "lower-case word"),
        ("new,demo", "meeting=3", "not in the pipeline"),
        ("new,demo", "demo=0", "above zero"),
        ("new,demo", "demo=soon", "stage=days"),
    ],
)
def test_bad_pipelines_are_refused_with_a_reason(stages: str, norms: str, message: str) -> None:
    with pytest.raises(PipelineError, match=message):
        Pipeline.parse(stages, norms)


def test_neighbours_never_lead_back_to_new_nor_past_the_last_stage() -> None:
    pipeline = DEFAULT_PIPELINE

    assert (pipeline.next_after("new"), pipeline.next_after("proposal")) == ("contacted", None)
    assert (pipeline.previous_before("contacted"), pipeline.previous_before("meeting")) == (
        None,
        "qualified",
    )
    assert pipeline.next_after("won") is None


def test_contact_and_rating_move_a_lead_forward_only() -> None:
    pipeline = DEFAULT_PIPELINE

    assert pipeline.after_contact("new") == "contacted"
    assert pipeline.after_contact("meeting") == "meeting"
    assert pipeline.after_rating("contacted") == "qualified"
    assert pipeline.after_rating("proposal") == "proposal"
    assert Pipeline(("new", "demo")).after_rating("demo") == "demo"


def test_a_lead_is_stalled_only_past_its_stages_norm() -> None:
    pipeline = DEFAULT_PIPELINE

    assert not pipeline.is_stalled("meeting", MONDAY, MONDAY + timedelta(days=7))
    assert pipeline.is_stalled("meeting", MONDAY, MONDAY + timedelta(days=7, seconds=1))
    assert not pipeline.is_stalled("new", MONDAY, MONDAY + timedelta(days=365))
