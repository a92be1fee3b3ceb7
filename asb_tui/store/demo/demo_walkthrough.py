"""One case taken through the council's whole procedure with the same store commands the screens
call: referral, acceptance with the risk questionnaire (high risk: the VSO and VVC referrals and
their tasks start), diary sheets and entries, the home visit (evidence, witnesses, needs and
vulnerabilities, signposting, consent, the contact agreement), agency contacts, house-to-house
enquiries, the victim's agreement to a perpetrator visit and the visit, a legal remedy and its
stages, a safeguarding referral, a share under s115, a manager review, the VVC's decision, closure
and reopening. Every kind of record the app can make appears, in states the app can reach.

Dates count back from `today`, so the case is current whenever it is made. Text is fixed, so the
same `today` gives the same facts (ids are the store's own).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import cast

from sqlmodel import Session

from asb_tui.config import Config
from asb_tui.domain.risk import load_questionnaire
from asb_tui.domain.types import (
    Category,
    ClosureReason,
    DoorOutcome,
    LegalBasis,
    LegalRemedyKind,
    PartyRole,
)
from asb_tui.domain.vvc import vvc_meetings
from asb_tui.domain.working_days import add_working_days
from asb_tui.store.commands import (
    case_review,
    cases,
    communications,
    contacts,
    diary,
    house_to_house,
    legal,
    people,
    reviews,
    sharing,
    visits,
)
from asb_tui.store.commands import vvc as vvc_store
from asb_tui.store.core.store import Store
from asb_tui.store.core.unit_of_work import UnitOfWork
from asb_tui.store.queries.deadline_facts import deadline_rules


@dataclass(frozen=True)
class WalkedCase:
    case_id: str
    ref: str
    victim_id: str
    perpetrator_id: str
    witness_name: str
    needs: str
    remedy_id: str
    meeting_on: date | None
    closed: bool
    reopened: bool


def _answers(config: Config) -> dict[str, str]:
    """High-scoring answers for the configured questionnaire (the highest answer of each)."""
    questionnaire = load_questionnaire(config.questionnaire)
    return {q.id: max(q.answers, key=lambda a: a.score).id for q in questionnaire.questions}


def walk_case(
    store: Store,
    config: Config,
    today: date,
    *,
    victim: str = "Siobhán Ó Súilleabháin",
    perpetrator: str = "Dariusz Wiśniewski",
    witness: str = "Marcia Gayle",
    close_and_reopen: bool = True,
    with_vvc_decision: bool = True,
    linked_to: WalkedCase | None = None,
) -> WalkedCase:
    """Walk one case through every step; see the module docstring."""
    rules = deadline_rules(config, today)
    questionnaire = load_questionnaire(config.questionnaire)

    def wd(days: int) -> date:
        return add_working_days(today, -days, rules.default_region, rules.closures)

    referred = wd(40)
    made = cases.refer_case(
        store,
        category=Category.PERSONAL.value,
        summary="Shouting, banging on the door and abuse from the flat above, most nights",
        referred_on=referred,
        location="14 Acacia Road, Leeds LS8 2QT",
        referral_source="Police (Leeds district)",
        officer=config.officer,
        team=config.team,
        victim_name=victim,
    )
    case_id = made.id
    victim_id = _person_id(store, case_id, PartyRole.VICTIM.value)
    perpetrator_id = cases.add_person(
        store,
        case_id,
        name=perpetrator,
        role=PartyRole.ALLEGED_PERPETRATOR.value,
        address="Flat 3, 14 Acacia Road, Leeds LS8 2QT",
        notes="Tenant of the flat above",
    )
    people.add_address(
        store,
        case_id,
        people.AddressInput("14 Acacia Road", town="Leeds", postcode="LS8 2QT", from_on=wd(900)),
        person_id=victim_id,
        areas=config.areas,
    )
    people.add_address(
        store,
        case_id,
        people.AddressInput("Flat 3", "14 Acacia Road", town="Leeds", postcode="ls82qt"),
        person_id=perpetrator_id,
        areas=config.areas,
    )
    people.add_address(
        store,
        case_id,
        people.AddressInput("Stairwell of 14 Acacia Road", town="Leeds", kind="location"),
        areas=config.areas,
    )
    accepted = wd(38)
    cases.accept_case(
        store,
        case_id,
        on=accepted,
        questionnaire=questionnaire,
        answers=_answers(config),
        rules=rules,
        person_id=victim_id,
    )
    sheet = diary.record_sheets_sent(
        store, case_id, sent_on=accepted, letter_sent_on=accepted, person_id=victim_id
    )
    communications.record_communication(
        store,
        case_id,
        template="process",
        template_version="1",
        recipient=victim,
        person_id=victim_id,
        sent_on=accepted,
        pdf_sha256=hashlib.sha256(f"process letter {case_id}".encode()).hexdigest(),
        pdf_name="process-letter.pdf",
        officer=config.officer,
    )
    diary.record_sheet_returned(store, sheet.id, wd(29))
    for days, time, what, who, impact, police, told, told_after in (
        (
            36,
            "22:40",
            "Banging on the ceiling and shouting through the door",
            perpetrator,
            "Could not sleep",
            "",
            ("council",),
            1,
        ),
        (
            33,
            "23:15",
            "Abuse shouted at her door, called her names",
            perpetrator,
            "Scared to go out",
            "LS-2026-118",
            ("police",),
            0,
        ),
        (30, "01:05", "Music at full volume until 3am", "", "Children woken", "", (), 0),
    ):
        diary.add_diary_entry(
            store,
            sheet.id,
            diary.DiaryEntry(
                occurred_on=wd(days),
                occurred_time=time,
                description=what,
                who_involved=who,
                impact=impact,
                reported_to_police=bool(police),
                police_ref=police,
                reported_on=wd(days - told_after) if told else None,
                reported_to=told,
            ),
            typed_on=wd(29),
        )
    contacts.add_agency_contact(
        store,
        case_id,
        agency="Police",
        contacted_on=wd(37),
        method="phone",
        summary="PC Hartley confirmed two call-outs to the address",
        contact_name="PC Hartley",
        reference="LS-2026-118",
        reference_kind="incident log",
    )
    needs = "Anxiety and poor sleep; hearing loss in one ear; wants a letter in large print"
    visit_day = wd(35)
    visits.complete_home_visit(
        store,
        case_id,
        visits.HomeVisitRecord(
            visited_on=visit_day,
            present=f"{victim} and her daughter",
            evidence_gathered="Phone video of the shouting on three nights",
            perpetrator_identified=perpetrator,
            witnesses=(visits.Witness(witness, "12 Acacia Road", "0113 496 0032"),),
            further_needs=needs,
            signposting=tuple(config.signposting[:2]),
            actions=(visits.ActionItem("Ask the landlord about the tenancy", wd(30)),),
            consent=visits.ConsentRecord(
                record_and_share=True,
                signed=True,
                given_on=visit_day,
                scope="Police, landlord, Victim Support",
            ),
            contact=visits.ContactTerms("weekly", "phone", "after 5pm", True),
            notes="Keeps a diary; daughter helps with letters",
        ),
        closures=rules.closures,
    )
    contacts.add_agency_contact(
        store,
        case_id,
        agency="Landlord (Leeds Homes)",
        contacted_on=wd(32),
        method="email",
        summary="Tenancy warning to be issued to the tenant of flat 3",
        contact_name="Housing officer",
    )
    contacts.log_victim_update(
        store,
        case_id,
        updated_on=wd(30),
        means="phone",
        summary="Told her about the landlord's warning",
        feels_safer="a little",
        closures=rules.closures,
    )
    run = house_to_house.create_run(
        store,
        case_id,
        area="Acacia Road, numbers 10 to 16",
        run_on=wd(31),
        addresses="10 Acacia Road\n12 Acacia Road\n16 Acacia Road",
    )
    sheet_of_run = house_to_house.run_sheet(store, run.id)
    outcomes = (DoorOutcome.INFORMATION_GIVEN, DoorOutcome.NO_ANSWER, DoorOutcome.REFUSED)
    for door, outcome in zip(sheet_of_run.doors, outcomes, strict=False):
        note = (
            "Hears shouting from flat 3 most nights"
            if outcome is DoorOutcome.INFORMATION_GIVEN
            else ""
        )
        house_to_house.record_door_outcome(store, door.id, outcome, note=note)
    visits.record_perpetrator_visit_agreement(store, case_id, wd(30))
    visits.record_perpetrator_visit(
        store,
        case_id,
        visited_on=wd(28),
        outcome="Warned about his behaviour; says the noise is from another flat",
        present=perpetrator,
        denial=True,
    )
    remedy = legal.add_legal_remedy(
        store,
        case_id,
        kind=LegalRemedyKind.CPW,
        started_on=wd(25),
        stage="issued",
        person_id=perpetrator_id,
        victim_role="Keeps the diary; may give a statement",
        support_offered="Victim Support referral",
        notes="Warning to stop shouting and playing loud music at night",
        today=today,
    )
    legal.add_legal_stage(
        store,
        remedy.id,
        stage="served",
        stage_on=wd(24),
        notes="Served by hand at flat 3",
        today=today,
    )
    legal.record_safeguarding_concern(
        store,
        case_id,
        about="child",
        referred_on=wd(27),
        reference="CS-40112",
        details="Daughter (9) kept awake most nights",
    )
    sharing.share_case(
        store,
        case_id,
        agency="Police",
        what="Diary entries and the home visit record",
        legal_basis=LegalBasis.S115.value,
        shared_on=wd(26),
        today=today,
    )
    reviews.record_review(
        store,
        case_id,
        reviewed_on=wd(20),
        notes="High risk: warning served; keep weekly contact",
        actions="Chase the landlord",
        reason="high-risk",
        reviewer="Safer Communities Manager",
        today=today,
    )
    _walk_case_review(store, case_id, victim, wd, today)
    meeting_on = None
    if with_vvc_decision:
        meeting_on = _past_meeting(config, today, after=accepted)
        if meeting_on is not None:
            vvc_store.record_vvc_decision(
                store,
                config,
                case_id,
                meeting_on,
                case_officer=config.officer,
                case_manager="Priya Natarajan",
                decision="Keep high risk; the landlord to start tenancy enforcement",
                actions=vvc_store.parse_vvc_actions(
                    f"Tenancy enforcement letter | Leeds Homes | {_uk(meeting_on + timedelta(14))}",
                    meeting_on,
                ),
            )
    if linked_to is not None:
        people.link_cases(
            store,
            case_id,
            linked_to.case_id,
            reason="Reports from the same block: the officer handles them together",
            on=wd(8),
        )
    closed = reopened = False
    if close_and_reopen:
        cases.close_case(
            store, case_id, reason=ClosureReason.ASB_CEASED, on=wd(10), note="Quiet for a month"
        )
        closed = True
        cases.reopen_case(
            store, case_id, reason="The shouting started again", on=wd(5), rules=rules
        )
        reopened = True
    return WalkedCase(
        case_id=case_id,
        ref=made.ref,
        victim_id=victim_id,
        perpetrator_id=perpetrator_id,
        witness_name=witness,
        needs=needs,
        remedy_id=remedy.id,
        meeting_on=meeting_on,
        closed=closed,
        reopened=reopened,
    )


def _walk_case_review(
    store: Store, case_id: str, victim: str, wd: Callable[[int], date], today: date
) -> None:
    """The victim is told about the Case Review, applies, and the review runs its course."""
    case_review.record_victim_told(store, case_id, wd(32), today=today)
    partner = case_review.record_partner_report(
        store,
        case_id,
        occurred_on=wd(28),
        reported_on=wd(27),
        reported_to="l",
        description="Rubbish thrown on to her balcony, reported to Leeds Homes",
        today=today,
    )
    application = case_review.apply_for_case_review(
        store,
        case_id,
        applicant=victim,
        applied_on=wd(22),
        cited_incidents=[partner.id],
        partner_reports="Leeds Homes, 2 reports by phone",
        notes="Applied by phone to the Community Safety Team",
        today=today,
    )
    case_review.acknowledge_application(store, application.id, wd(20), today=today)
    case_review.decide_threshold(
        store,
        application.id,
        decided_on=wd(17),
        met=True,
        reason="Four complaints within a month of the behaviour in six months",
        letter_on=wd(17),
        today=today,
    )
    case_review.record_meeting(
        store,
        application.id,
        meeting_on=wd(9),
        agencies_present=["Council", "Police", "Leeds Homes"],
        today=today,
    )
    case_review.add_recommendation(
        store,
        application.id,
        text="Leeds Homes to serve a notice of seeking possession",
        owner="Leeds Homes",
        due_on=wd(-10),
    )
    case_review.record_outcome_told(
        store,
        application.id,
        told_on=wd(7),
        outcome="Letter: the landlord will take tenancy action; weekly contact continues",
        today=today,
    )


def _uk(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _past_meeting(config: Config, today: date, *, after: date) -> date | None:
    held = [m for m in vvc_meetings(after, today, vvc_store.vvc_rule(config)) if m < today]
    return held[-1] if held else None


def _person_id(store: Store, case_id: str, role: str) -> str:
    from asb_tui.store.queries.case_records import load_case_records

    with store.read() as session:
        records = load_case_records(session, case_id)
    assert records is not None
    pairs = records.parties(role)
    if not pairs:
        raise ValueError(f"the case has no {role}")
    return str(pairs[0][1].id)


class _OneTransaction:
    """The store as the commands see it, with every `write()` and `read()` inside ONE open unit
    of work: a batch of commands commits together (each row still has its audit event and its
    change record), and a command's reads see the rows the commands before it wrote."""

    def __init__(self, store: Store, uow: UnitOfWork) -> None:
        self._store = store
        self._uow = uow
        self.actor = store.actor
        self.device_id = store.device_id

    @contextmanager
    def write(self, actor: str | None = None) -> Iterator[UnitOfWork]:
        yield self._uow

    @contextmanager
    def read(self) -> Iterator[Session]:
        yield self._uow.reads


@contextmanager
def one_transaction(store: Store) -> Iterator[Store]:
    """Run store commands in one transaction (the demo's fast path); all or nothing."""
    with store.write() as uow:
        yield cast(Store, _OneTransaction(store, uow))
