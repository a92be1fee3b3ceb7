"""The manager's review queue and recorded reviews.

The queue holds every open high-risk case whose review is due (the procedure's cadence, or an
earlier "next review" date the manager set last time) plus this period's random sample of the other
open cases. The sample is drawn once per review period (config `manager_review_days`) with the
domain's `draw_review_sample` from a fresh seed; the seed is stored with the date, the fraction,
the minimum and the population it was drawn from (`ReviewSample`), so anyone can re-derive the same
sample later (`rederive_sample`).

A `ReviewSample` belongs to no case, so it does not sync; drawing one is audited (with its seed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from asb_tui.config import Config
from asb_tui.domain.case_deadlines import DeadlineRules, manager_review_due
from asb_tui.domain.reviews import draw_review_sample, new_sample_seed
from asb_tui.domain.types import CaseStatus, RiskLevel
from asb_tui.domain.working_days import normalise_region
from asb_tui.store.commands.oversight_errors import OversightRefused, UnknownRecord
from asb_tui.store.core.errors import CaseNotFound
from asb_tui.store.core.models import Case, ManagerReview, ReviewSample, RiskAssessment
from asb_tui.store.core.store import Store
from asb_tui.store.queries.deadline_facts import deadline_rules

REVIEW_REASONS = ("high-risk", "risk-lowered", "sample", "ad-hoc")


@dataclass(frozen=True)
class SampleInfo:
    """A drawn sample as the screens show it."""

    id: str
    drawn_on: date
    seed: str
    fraction: float
    minimum: int
    population: tuple[str, ...]
    case_ids: tuple[str, ...]


@dataclass(frozen=True)
class ReviewQueueItem:
    case_id: str
    ref: str
    reason: str  # "high-risk", "risk-lowered" or "sample"
    risk_level: str | None
    officer: str
    due_on: date | None
    last_review_on: date | None
    reviewed_this_period: bool


@dataclass(frozen=True)
class ReviewQueue:
    today: date
    items: tuple[ReviewQueueItem, ...]
    sample: SampleInfo | None


def _risk(value: str | None) -> RiskLevel | None:
    try:
        return RiskLevel(value) if value else None
    except ValueError:
        return None


def _last_reviews(session: Session) -> dict[str, ManagerReview]:
    latest: dict[str, ManagerReview] = {}
    rows = session.exec(
        select(ManagerReview).order_by(
            col(ManagerReview.reviewed_on), col(ManagerReview.created_at)
        )
    )
    for review in rows:
        latest[review.case_id] = review
    return latest


def _open_cases(session: Session) -> list[Case]:
    statuses = [CaseStatus.ACCEPTED.value, CaseStatus.REOPENED.value]
    return list(session.exec(select(Case).where(col(Case.status).in_(statuses))))


def _sample_info(row: ReviewSample) -> SampleInfo:
    return SampleInfo(
        id=row.id,
        drawn_on=row.drawn_on,
        seed=row.seed,
        fraction=row.fraction,
        minimum=row.minimum,
        population=tuple(row.population),
        case_ids=tuple(row.sample),
    )


def _current_sample_row(session: Session, today: date, period_days: int) -> ReviewSample | None:
    """The latest sample drawn within the current review period (None: time to draw one)."""
    opens = today - timedelta(days=max(period_days, 1) - 1)
    return session.exec(
        select(ReviewSample)
        .where(col(ReviewSample.drawn_on) >= opens, col(ReviewSample.drawn_on) <= today)
        .order_by(col(ReviewSample.drawn_on).desc())
        .limit(1)
    ).first()


def current_sample(store: Store, config: Config, today: date) -> SampleInfo | None:
    """This period's sample, if one has been drawn."""
    with store.read() as session:
        row = _current_sample_row(session, today, config.manager_review_days)
        return _sample_info(row) if row else None


def _sample_population(session: Session) -> list[str]:
    """The open cases that are not high risk (those are all reviewed, not sampled)."""
    return sorted(c.id for c in _open_cases(session) if _risk(c.risk_level) is not RiskLevel.HIGH)


def draw_sample(store: Store, config: Config, today: date, *, force: bool = False) -> SampleInfo:
    """Draw this period's sample of the non-high-risk open cases (once per period unless `force`).

    The seed, date, fraction, minimum and population are stored so the draw can be re-derived.
    """
    with store.write() as uow:
        session = uow.reads
        if not force:
            existing = _current_sample_row(session, today, config.manager_review_days)
            if existing is not None:
                return _sample_info(existing)
        population = _sample_population(session)
        seed = new_sample_seed()
        chosen = draw_review_sample(
            population, seed, config.review_sample_fraction, config.review_sample_minimum
        )
        row = ReviewSample(
            drawn_on=today,
            seed=str(seed),
            fraction=config.review_sample_fraction,
            minimum=config.review_sample_minimum,
            population=population,
            sample=chosen,
        )
        # Not a case row: it never syncs, so it is kept locally (and the draw audited).
        uow.keep_local(
            row,
            action="review.sample-draw",
            details={
                "drawn_on": today.isoformat(),
                "seed": row.seed,
                "population": len(population),
                "size": len(chosen),
            },
        )
        return _sample_info(row)


def rederive_sample(sample: SampleInfo | ReviewSample) -> list[str]:
    """Draw the sample again from its stored seed and population (for checking a past draw)."""
    return draw_review_sample(
        list(sample.population), _seed_value(sample.seed), sample.fraction, sample.minimum
    )


def _seed_value(seed: str) -> int | str:
    # Seeds are stored as text; the draw used the integer (random.Random(str) differs).
    return int(seed) if seed.isdigit() else seed


def sample_is_reproducible(store: Store, sample_id: str) -> bool:
    """True when the stored sample is exactly what its stored seed gives."""
    with store.read() as session:
        row = session.get(ReviewSample, sample_id)
        if row is None:
            raise UnknownRecord("that review sample does not exist")
        return rederive_sample(row) == list(row.sample)


def review_queue(store: Store, config: Config, today: date, *, draw: bool = True) -> ReviewQueue:
    """Due high-risk cases (soonest first) then this period's sample (drawn now if `draw`)."""
    sample = current_sample(store, config, today)
    if sample is None and draw:
        sample = draw_sample(store, config, today)
    rules = deadline_rules(config, today)
    with store.read() as session:
        last = _last_reviews(session)
        cases = {c.id: c for c in _open_cases(session)}
        items: list[ReviewQueueItem] = []
        for case in cases.values():
            if _risk(case.risk_level) is not RiskLevel.HIGH:
                continue
            review = last.get(case.id)
            due = _high_risk_due(case, review, rules)
            if due is None or due <= today:
                items.append(_item(case, "high-risk", due, review, reviewed=False))
        # A reassessment that lowered the level waits for a manager to confirm it: listed until
        # a manager review is recorded on or after the day it was lowered.
        for case_id, lowered_on in _lowered_levels(session).items():
            lowered_case = cases.get(case_id)
            review = last.get(case_id)
            if lowered_case is None or any(i.case_id == case_id for i in items):
                continue
            if review is None or review.reviewed_on < lowered_on:
                items.append(
                    _item(lowered_case, "risk-lowered", lowered_on, review, reviewed=False)
                )
        items.sort(key=lambda item: (item.due_on or date.min, item.ref))
        listed = {item.case_id for item in items}
        if sample is not None:
            for case_id in sample.case_ids:
                sampled = cases.get(case_id)
                if sampled is None or case_id in listed:
                    continue  # closed (or raised to high risk) since the draw
                review = last.get(case_id)
                reviewed = review is not None and review.reviewed_on >= sample.drawn_on
                items.append(_item(sampled, "sample", None, review, reviewed=reviewed))
    return ReviewQueue(today, tuple(items), sample)


_LEVEL_RANK = {RiskLevel.STANDARD.value: 0, RiskLevel.MEDIUM.value: 1, RiskLevel.HIGH.value: 2}


def _lowered_levels(session: Session) -> dict[str, date]:
    """Open cases whose latest reassessment lowered the level: case id -> the day lowered."""
    lowered_cases = session.exec(
        select(RiskAssessment.case_id).where(col(RiskAssessment.previous_level).is_not(None))
    ).all()
    if not lowered_cases:
        return {}
    rows = session.exec(
        select(RiskAssessment)
        .where(col(RiskAssessment.case_id).in_(set(lowered_cases)))
        .order_by(col(RiskAssessment.case_id), col(RiskAssessment.created_at))
    ).all()
    latest: dict[str, RiskAssessment] = {}
    for row in rows:
        latest[row.case_id] = row  # the newest assessment of each case
    return {
        case_id: row.assessed_on
        for case_id, row in latest.items()
        if _LEVEL_RANK.get(row.level, 0) < _LEVEL_RANK.get(row.previous_level or "", 0)
    }


def _high_risk_due(case: Case, review: ManagerReview | None, rules: DeadlineRules) -> date | None:
    """The procedure's cadence, or the manager's own earlier next-review date."""
    if case.accepted_on is None:
        return None
    try:
        region = normalise_region(case.region)
    except ValueError:
        region = rules.default_region
    due = manager_review_due(
        case.accepted_on,
        review.reviewed_on if review else None,
        region,
        rules.closures,
        every_days=rules.manager_review_days,
    )
    if review is not None and review.next_review_on is not None:
        due = min(due, review.next_review_on)
    return due


def _item(
    case: Case, reason: str, due: date | None, review: ManagerReview | None, *, reviewed: bool
) -> ReviewQueueItem:
    return ReviewQueueItem(
        case_id=case.id,
        ref=case.ref,
        reason=reason,
        risk_level=case.risk_level,
        officer=case.officer,
        due_on=due,
        last_review_on=review.reviewed_on if review else None,
        reviewed_this_period=reviewed,
    )


def record_review(
    store: Store,
    case_id: str,
    *,
    reviewed_on: date,
    notes: str,
    actions: str = "",
    next_review_on: date | None = None,
    reason: str = "ad-hoc",
    reviewer: str | None = None,
    today: date | None = None,
) -> ManagerReview:
    """Record a manager review of one case (append-only; shows in the case timeline)."""
    today = today or date.today()
    if reason not in REVIEW_REASONS:
        raise OversightRefused(f"a review reason must be one of {', '.join(REVIEW_REASONS)}")
    if not notes.strip():
        raise OversightRefused("write the review notes before saving the review")
    if reviewed_on > today:
        raise OversightRefused("a review cannot be dated in the future")
    if next_review_on is not None and next_review_on <= reviewed_on:
        raise OversightRefused("the next review date must be after the review date")
    with store.write() as uow:
        if uow.reads.get(Case, case_id) is None:
            raise CaseNotFound()
        review = ManagerReview(
            case_id=case_id,
            reviewed_on=reviewed_on,
            reviewer=reviewer if reviewer is not None else uow.actor,
            reason=reason,
            notes=notes,
            actions=actions,
            next_review_on=next_review_on,
        )
        return uow.add(review, action="review.record")


def reviews_for_case(store: Store, case_id: str) -> list[ManagerReview]:
    """The case's manager reviews, latest first."""
    with store.read() as session:
        return list(
            session.exec(
                select(ManagerReview)
                .where(ManagerReview.case_id == case_id)
                .order_by(
                    col(ManagerReview.reviewed_on).desc(), col(ManagerReview.created_at).desc()
                )
            )
        )
