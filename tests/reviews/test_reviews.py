"""Manager review queue: due high-risk cases and a sample re-derivable from its stored seed."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from built_case_testkit import MakeCase
from sqlmodel import col, select
from tamper_kit import tampering

from asb_tui.config import Config
from asb_tui.store.commands.oversight_errors import OversightRefused
from asb_tui.store.commands.reviews import (
    draw_sample,
    record_review,
    rederive_sample,
    review_queue,
    sample_is_reproducible,
)
from asb_tui.store.core.models import AuditEvent, ReviewSample
from asb_tui.store.core.store import Store

TODAY = date.today()


@pytest.fixture
def config(data_dir: Path) -> Config:
    return Config(data_dir=data_dir, review_sample_fraction=0.3, review_sample_minimum=1)


def test_due_high_risk_cases_are_listed_and_reviewed_ones_drop_off(
    store: Store, make_case: MakeCase, config: Config
) -> None:
    overdue = make_case("ASB-HR-1", risk_level="high", accepted_on=TODAY - timedelta(days=30))
    recent = make_case("ASB-HR-2", risk_level="high", accepted_on=TODAY - timedelta(days=3))
    make_case("ASB-CL-1", risk_level="high", status="closed", closed_on=TODAY)

    queue = review_queue(store, config, TODAY)
    high = [item for item in queue.items if item.reason == "high-risk"]
    assert [item.ref for item in high] == ["ASB-HR-1"]
    assert high[0].due_on is not None and high[0].due_on <= TODAY
    assert recent.case_id not in {item.case_id for item in queue.items}

    record_review(
        store,
        overdue.case_id,
        reviewed_on=TODAY,
        notes="Risk still high; police informed",
        actions="Chase landlord",
        next_review_on=TODAY + timedelta(days=7),
        reason="high-risk",
    )
    queue = review_queue(store, config, TODAY)
    assert "ASB-HR-1" not in {item.ref for item in queue.items}
    # The manager's own earlier date brings it back before the 14-day cadence would.
    later = review_queue(store, config, TODAY + timedelta(days=7))
    assert "ASB-HR-1" in {item.ref for item in later.items if item.reason == "high-risk"}


def test_sample_is_stored_with_its_seed_and_rederives(
    store: Store, make_case: MakeCase, config: Config
) -> None:
    standard = [make_case(f"ASB-ST-{n}").case_id for n in range(10)]
    make_case("ASB-HR-9", risk_level="high")

    sample = draw_sample(store, config, TODAY)
    assert len(sample.case_ids) == 3  # 30% of 10, rounded up
    assert set(sample.case_ids) <= set(standard)
    assert sorted(sample.population) == sorted(standard)  # high risk is never sampled
    assert sample_is_reproducible(store, sample.id)
    with store.read() as session:
        row = session.get(ReviewSample, sample.id)
        assert row is not None and row.seed == sample.seed and row.drawn_on == TODAY
        assert rederive_sample(row) == list(sample.case_ids)
        events = session.exec(
            select(AuditEvent).where(AuditEvent.action == "review.sample-draw")
        ).all()
    assert [e.details["seed"] for e in events] == [sample.seed]

    # The same period gives the same sample; the queue shows it.
    assert draw_sample(store, config, TODAY + timedelta(days=3)).id == sample.id
    queue = review_queue(store, config, TODAY)
    assert {i.case_id for i in queue.items if i.reason == "sample"} == set(sample.case_ids)
    # A later period draws afresh.
    assert draw_sample(store, config, TODAY + timedelta(days=config.manager_review_days)).id != (
        sample.id
    )


def test_tampered_sample_is_detected(store: Store, make_case: MakeCase, config: Config) -> None:
    for n in range(6):
        make_case(f"ASB-T-{n}")
    sample = draw_sample(store, config, TODAY)
    with tampering(store) as session:
        row = session.get(ReviewSample, sample.id)
        assert row is not None
        others = [c for c in row.population if c not in row.sample]
        row.sample = sorted([*row.sample[1:], others[0]])
        session.add(row)
    assert not sample_is_reproducible(store, sample.id)


def test_sampled_case_shows_as_reviewed_after_its_review(
    store: Store, make_case: MakeCase, config: Config
) -> None:
    make_case("ASB-ONE")
    queue = review_queue(store, config, TODAY)
    (item,) = queue.items
    assert item.reason == "sample" and not item.reviewed_this_period
    record_review(store, item.case_id, reviewed_on=TODAY, notes="Fine", reason="sample")
    (item,) = review_queue(store, config, TODAY).items
    assert item.reviewed_this_period


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"reviewed_on": TODAY + timedelta(days=1)}, "future"),
        ({"next_review_on": TODAY}, "after the review date"),
        ({"notes": "   "}, "notes"),
        ({"reason": "whim"}, "reason"),
    ],
)
def test_bad_review_is_refused_and_nothing_written(
    store: Store, make_case: MakeCase, changes: dict[str, Any], message: str
) -> None:
    case = make_case("ASB-BAD")
    values = {"reviewed_on": TODAY, "notes": "ok", "next_review_on": None, "reason": "ad-hoc"}
    values.update(changes)
    with store.read() as session:
        before = len(session.exec(select(AuditEvent)).all())
    with pytest.raises(OversightRefused, match=message):
        record_review(store, case.case_id, **values)  # type: ignore[arg-type]
    with store.read() as session:
        assert len(session.exec(select(AuditEvent)).all()) == before


def test_review_is_audited_with_field_names_only(store: Store, make_case: MakeCase) -> None:
    case = make_case("ASB-AUD")
    record_review(store, case.case_id, reviewed_on=TODAY, notes="Secret note text", actions="x")
    with store.read() as session:
        event = session.exec(select(AuditEvent).order_by(col(AuditEvent.seq).desc()).limit(1)).one()
    assert event.action == "review.record" and event.case_id == case.case_id
    assert "Secret note text" not in str(event.details)
    assert "notes" in event.details["fields"]
