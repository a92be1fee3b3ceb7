"""The benchmark's fast path (`fill_demo(bulk=True)`): rows built by hand, a table at a time.

A benchmark-size store (5,000 cases, 100,000 incidents) through the store commands would take
minutes: every command reads what it checks and writes each row with its own audit event. So the
benchmark alone keeps these hand-built rows, written with ONE audit event per case
(`demo.case`) and a change record per row. They follow the commands' rules where they write
what a command would, but the default demo never uses them: it is made by the commands
(`seeded_cases`).
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from sqlmodel import SQLModel

from asb_tui.domain.case_deadlines import home_visit_due
from asb_tui.domain.legal import check_remedy_start, check_stage_date
from asb_tui.domain.risk import high_risk_protocol_tasks, score_assessment
from asb_tui.domain.types import (
    ActionKind,
    CaseStatus,
    Category,
    ClosureReason,
    DoorOutcome,
    LegalBasis,
    LegalRemedyKind,
    PartyRole,
    ReferralKind,
    Region,
    RiskLevel,
    VisitKind,
)
from asb_tui.domain.vvc import next_vvc_meeting
from asb_tui.domain.working_days import add_working_days
from asb_tui.store.core.models import (
    Action,
    AgencyContact,
    Case,
    CaseParty,
    Consent,
    ContactAgreement,
    DiarySheet,
    DoorEnquiry,
    EvidenceItem,
    HouseToHouseRun,
    Incident,
    LegalRemedy,
    LegalStage,
    ManagerReview,
    Note,
    Person,
    Referral,
    RiskAssessment,
    SharingRecord,
    VictimUpdate,
    Visit,
    VvcDecision,
)
from asb_tui.store.demo.drawing import (
    ACTION_TITLES,
    AGENCIES,
    CONTACT_METHODS,
    FREQUENCIES,
    FURTHER_NEEDS,
    IMPACTS,
    INCIDENTS,
    LANGUAGES,
    MANAGERS,
    MEANS,
    NOTES,
    OFFICERS,
    POLICE_FORCES,
    REFERRAL_SOURCES,
    SAFE_TIMES,
    SIGNPOSTING,
    SLURS,
    STAGES,
    STREETS,
    SUMMARIES,
    TEAMS,
    TOWNS,
    VULNERABILITIES,
    WHO,
    Draw,
    Plan,
)


class BulkRows(Draw):
    """One case's rows, drawn from the plan; `officer` and `team` (the laptop's) when set."""

    officer: str | None = None
    team: str | None = None

    def case_rows(self, plan: Plan, hostile_name: str | None) -> list[SQLModel]:
        rng = self.rng
        today = self.today
        category = rng.choices(
            (Category.PERSONAL, Category.NUISANCE, Category.ENVIRONMENTAL), weights=(45, 40, 15)
        )[0]
        street = self.pick(STREETS)
        town = "|".join(rng.choice(TOWNS[plan.region]))
        house = rng.randint(1, 120)
        accepted = plan.status is not CaseStatus.REFERRED and plan.reason is not (
            ClosureReason.NOT_ACCEPTED
        )
        accepted_on = None
        if accepted:
            accepted_on = min(
                add_working_days(plan.referred_on, rng.randint(0, 3), plan.region), today
            )
        closed_on = None
        if plan.status is CaseStatus.CLOSED:
            start = accepted_on or plan.referred_on
            closed_on = min(start + timedelta(days=rng.randint(5, 150)), today)
        case = Case(
            id=self.uid(),
            ref="",
            category=category.value,
            status=plan.status.value,
            region=plan.region.value,
            summary=self.pick(SUMMARIES[category]).format(n=house, street=street),
            location=f"{street}, {town.split('|')[0]}",
            referral_source=self.pick(REFERRAL_SOURCES),
            referred_on=plan.referred_on,
            accepted_on=accepted_on,
            closed_on=closed_on,
            closure_reason=plan.reason.value if plan.reason else None,
            reopen_count=1 if plan.status is CaseStatus.REOPENED else 0,
            risk_level=plan.risk.value if plan.risk else None,
            repeat_victim=plan.risk is RiskLevel.HIGH and rng.random() < 0.5,
            counter_allegation=rng.random() < 0.1,
            officer=self.officer or self.pick(OFFICERS),
            case_manager=self.pick(MANAGERS),
            team=self.team or self.pick(TEAMS),
            created_at=self.stamp(plan.referred_on),
        )
        rows: list[SQLModel] = [case]
        end = closed_on or today
        victims, perpetrators = self._people(case, plan, street, town, house, hostile_name, rows)
        victim = victims[0]
        if accepted_on is not None and plan.risk is not None:
            self._risk(case, victim, plan.risk, accepted_on, rows)
        sheets = self._diary(case, victim, accepted_on, end, rows)
        self._incidents(case, category, sheets, house, end, rows)
        if accepted_on is None:
            self._notes(case, plan.referred_on, end, rows)
            return rows
        visit_done = self._visits(case, plan, accepted_on, end, rows)
        consent = self._consent(case, victim, visit_done or accepted_on, rows)
        if consent.perpetrator_visit_agreed and visit_done and perpetrators:
            self._perpetrator_visit(case, visit_done, end, rows)
        self._contact(case, victim, visit_done or accepted_on, end, rows)
        self._agencies(case, accepted_on, end, rows)
        self._actions(case, plan, accepted_on, end, house, rows)
        if rng.random() < 0.08 or plan.force_overdue:
            self._house_to_house(case, plan.region, street, town, accepted_on, end, rows)
        if perpetrators and (rng.random() < 0.05 or plan.status is CaseStatus.REOPENED):
            self._legal(case, perpetrators[0], accepted_on, end, rows)
        self._evidence(case, accepted_on, end, rows)
        self._notes(case, accepted_on, end, rows)
        if plan.risk is RiskLevel.HIGH:
            self._high_risk(case, accepted_on, end, rows)
        return rows

    def _people(
        self,
        case: Case,
        plan: Plan,
        street: str,
        town: str,
        house: int,
        hostile_name: str | None,
        rows: list[SQLModel],
    ) -> tuple[list[Person], list[Person]]:
        rng = self.rng
        roles = [PartyRole.VICTIM]
        if rng.random() < 0.2:
            roles.append(PartyRole.VICTIM)
        roles += [PartyRole.ALLEGED_PERPETRATOR] * rng.choices((0, 1, 2), weights=(15, 70, 15))[0]
        roles += [PartyRole.WITNESS] * rng.choices((0, 1, 2), weights=(50, 35, 15))[0]
        if rng.random() < 0.1:
            roles.append(PartyRole.OTHER)
        victims: list[Person] = []
        perpetrators: list[Person] = []
        home = f"{house + 2} {street}, {town.split('|')[0]}"
        for position, role in enumerate(roles):
            name = hostile_name if hostile_name and position == len(roles) - 1 else self.name()
            born = self.today - timedelta(days=rng.randint(16 * 365, 88 * 365))
            address = home if role is PartyRole.VICTIM else self.address(plan.region, street, town)
            person_id = self.uid()
            person = Person(
                id=person_id,
                case_id=case.id,
                identity_id=person_id,
                name=name,
                date_of_birth=born if rng.random() < 0.85 else None,
                address=address,
                phone=self.phone() if rng.random() < 0.8 else "",
                email=(
                    f"{name.split()[0].lower()}.{rng.randint(1, 99)}@example.org"
                    if rng.random() < 0.4 and name.split()[0].isalpha()
                    else ""
                ),
                language=self.pick(LANGUAGES) if role is PartyRole.VICTIM else "",
                notes="",
                created_at=self.stamp(plan.referred_on),
            )
            rows.append(person)
            rows.append(
                CaseParty(
                    id=self.uid(),
                    case_id=case.id,
                    person_id=person.id,
                    role=role.value,
                    vulnerabilities=self.pick(VULNERABILITIES) if role is PartyRole.VICTIM else "",
                    further_needs=self.pick(FURTHER_NEEDS) if role is PartyRole.VICTIM else "",
                    notes="Denies the allegations"
                    if role is PartyRole.ALLEGED_PERPETRATOR and rng.random() < 0.3
                    else "",
                )
            )
            if role is PartyRole.VICTIM:
                victims.append(person)
            elif role is PartyRole.ALLEGED_PERPETRATOR:
                perpetrators.append(person)
        return victims, perpetrators

    def _risk(
        self, case: Case, victim: Person, wanted: RiskLevel, on: date, rows: list[SQLModel]
    ) -> None:
        # Answers leaning to the wanted level, redrawn a few times until they score it (so ~20%
        # of cases really are high risk). If they still score lower, the officer raises the
        # level with a reason (allowed); if higher, the computed level stands (lowering is not).
        lean = {RiskLevel.STANDARD: 0.0, RiskLevel.MEDIUM: 0.5, RiskLevel.HIGH: 0.95}[wanted]
        for _attempt in range(12):
            answers: dict[str, str] = {}
            for question in self.questionnaire.questions:
                ordered = sorted(question.answers, key=lambda answer: answer.score)
                weights = [
                    (1 - lean) * (len(ordered) - i) ** 3 + lean * (i + 1) ** 2
                    for i in range(len(ordered))
                ]
                answers[question.id] = self.rng.choices(ordered, weights=weights)[0].id
            result = score_assessment(self.questionnaire, answers)
            if result.level is wanted:
                break
        level = result.level if result.level.rank >= wanted.rank else wanted
        override = "" if level is result.level else "Officer's judgement: victim is isolated"
        case.risk_level = level.value
        rows.append(
            RiskAssessment(
                id=self.uid(),
                case_id=case.id,
                person_id=victim.id,
                questionnaire_version=self.questionnaire.version,
                answers=answers,
                score=result.score,
                computed_level=result.level.value,
                level=level.value,
                override_reason=override,
                assessed_by=case.officer,
                assessed_on=on,
                created_at=self.stamp(on),
            )
        )

    def _diary(
        self, case: Case, victim: Person, accepted_on: date | None, end: date, rows: list[SQLModel]
    ) -> list[DiarySheet]:
        if accepted_on is None:
            return []
        sheets = []
        for number in range(self.rng.choices((1, 2, 3), weights=(60, 30, 10))[0]):
            sent = accepted_on + timedelta(days=28 * number)
            if sent > end:
                break
            returned = sent + timedelta(days=self.rng.randint(10, 30))
            sheet = DiarySheet(
                id=self.uid(),
                case_id=case.id,
                person_id=victim.id,
                sent_on=sent,
                letter_sent_on=sent,
                returned_on=returned if returned <= end and self.rng.random() < 0.8 else None,
                notes="",
            )
            sheets.append(sheet)
            rows.append(sheet)
        return sheets

    def _incidents(
        self,
        case: Case,
        category: Category,
        sheets: list[DiarySheet],
        house: int,
        end: date,
        rows: list[SQLModel],
    ) -> None:
        rng = self.rng
        count = self.incidents_per_case
        if count is None:
            count = rng.randint(2, 12)
        first = case.referred_on - timedelta(days=45)
        for _ in range(count):
            when = self.day_between(first, end)
            sheet = next(
                (
                    s
                    for s in sheets
                    if s.returned_on and s.sent_on and s.sent_on <= when <= s.returned_on
                ),
                None,
            )
            police = rng.random() < 0.25
            clock = self.clock()
            rows.append(
                Incident(
                    id=self.uid(),
                    case_id=case.id,
                    diary_sheet_id=sheet.id if sheet else None,
                    occurred_on=when,
                    occurred_time=clock if rng.random() < 0.85 else "",
                    location=case.location if rng.random() < 0.7 else f"Outside no. {house}",
                    description=self.pick(INCIDENTS[category]).format(
                        time=clock, n=house, slur=self.pick(SLURS)
                    ),
                    who_involved=self.pick(WHO).format(n=house),
                    impact=self.pick(IMPACTS),
                    reported_to_police=police,
                    police_ref=(
                        f"{self.pick(POLICE_FORCES)}-{when:%y}-{rng.randint(1000, 999999):06d}"
                        if police
                        else ""
                    ),
                    reported_to_council_on=when + timedelta(days=rng.randint(0, 3)),
                    source="diary" if sheet else rng.choice(("phone", "visit", "email", "police")),
                    recorded_by=case.officer,
                    created_at=self.stamp(min(when + timedelta(days=rng.randint(0, 5)), end)),
                )
            )
            # Reported means reported: the day it first reached an agency, and which.
            made = rows[-1]
            assert isinstance(made, Incident)
            made.reported_on = made.reported_to_council_on
            made.reported_to = "council,police" if police else "council"

    def _visits(
        self, case: Case, plan: Plan, accepted_on: date, end: date, rows: list[SQLModel]
    ) -> date | None:
        """The first home visit (due by the procedure's rule); returns the day it was done."""
        rng = self.rng
        level = RiskLevel(case.risk_level) if case.risk_level else None
        due = home_visit_due(accepted_on, level, plan.region)
        still_open = plan.status in (CaseStatus.ACCEPTED, CaseStatus.REOPENED)
        if plan.force_overdue:
            done = None
        elif due >= self.today and still_open:
            done = None  # due, not yet overdue
        elif still_open and rng.random() < 0.25:
            done = None  # overdue
        else:
            done = min(self.day_between(accepted_on, due + timedelta(days=2)), end)
        rows.append(
            Visit(
                id=self.uid(),
                case_id=case.id,
                kind=VisitKind.HOME.value,
                due_on=due,
                done_on=done,
                status="complete" if done else "planned",
                present="Victim" + (" and daughter" if rng.random() < 0.3 else "") if done else "",
                evidence_gathered="Diary sheets, photos of damage" if done else "",
                perpetrator_identified="Neighbour named by the victim" if done else "",
                further_needs=self.pick(FURTHER_NEEDS) if done else "",
                signposting=sorted(rng.sample(SIGNPOSTING, rng.randint(0, 3))) if done else [],
                outcome="Action plan agreed with the victim" if done else "",
                notes="",
                form_state={},
            )
        )
        if done and rng.random() < 0.4 and done + timedelta(days=14) <= end:
            follow_due = done + timedelta(days=rng.randint(14, 45))
            follow_done = follow_due if follow_due <= end and rng.random() < 0.6 else None
            rows.append(
                Visit(
                    id=self.uid(),
                    case_id=case.id,
                    kind=VisitKind.FOLLOW_UP.value,
                    due_on=follow_due,
                    done_on=follow_done,
                    status="complete" if follow_done else "planned",
                    outcome="Victim says things are a little better" if follow_done else "",
                    form_state={},
                )
            )
        return done

    def _perpetrator_visit(
        self, case: Case, victim_visit: date, end: date, rows: list[SQLModel]
    ) -> None:
        done = min(victim_visit + timedelta(days=self.rng.randint(3, 20)), end)
        denial = self.rng.random() < 0.6
        rows.append(
            Visit(
                id=self.uid(),
                case_id=case.id,
                kind=VisitKind.PERPETRATOR.value,
                due_on=done,
                done_on=done,
                status="complete",
                outcome="Warned about their behaviour",
                denial=denial,
                counter_allegation="Says the victim's children kick a ball at the car"
                if denial and self.rng.random() < 0.4
                else "",
                form_state={},
            )
        )

    def _consent(self, case: Case, victim: Person, on: date, rows: list[SQLModel]) -> Consent:
        rng = self.rng
        consent = Consent(
            id=self.uid(),
            case_id=case.id,
            person_id=victim.id,
            record_and_share=rng.random() < 0.92,
            signed=rng.random() < 0.9,
            given_on=on,
            scope="Share with police, landlord and Children's Services (s115)",
            perpetrator_visit_agreed=rng.random() < 0.55,
            withdrawn_on=on + timedelta(days=30) if rng.random() < 0.03 else None,
        )
        rows.append(consent)
        return consent

    def _contact(
        self, case: Case, victim: Person, on: date, end: date, rows: list[SQLModel]
    ) -> None:
        rng = self.rng
        rows.append(
            ContactAgreement(
                id=self.uid(),
                case_id=case.id,
                person_id=victim.id,
                frequency=self.pick(FREQUENCIES),
                means=self.pick(MEANS),
                safe_times=self.pick(SAFE_TIMES),
                may_leave_messages=rng.random() < 0.6,
                agreed_on=on,
            )
        )
        for _ in range(rng.randint(0, 4)):
            day = self.day_between(on, end)
            rows.append(
                VictimUpdate(
                    id=self.uid(),
                    case_id=case.id,
                    updated_on=day,
                    means=self.pick(MEANS),
                    summary="Told the victim about the warning letter and next steps",
                    feels_safer=rng.choice(("yes", "no", "a little", "")),
                    officer=case.officer,
                    created_at=self.stamp(day),
                )
            )

    def _agencies(self, case: Case, accepted_on: date, end: date, rows: list[SQLModel]) -> None:
        rng = self.rng
        for agency in rng.sample(AGENCIES, rng.randint(1, 4)):
            day = self.day_between(case.referred_on, end)
            rows.append(
                AgencyContact(
                    id=self.uid(),
                    case_id=case.id,
                    agency=agency,
                    contact_name=self.name(),
                    reference=f"REF{rng.randint(10000, 99999)}" if rng.random() < 0.5 else "",
                    method=self.pick(CONTACT_METHODS),
                    summary=f"Discussed the case with {agency.lower()}",
                    contacted_on=day,
                    follow_up_due=day + timedelta(days=14) if rng.random() < 0.3 else None,
                    created_at=self.stamp(day),
                )
            )
            if agency in ("Police", "Landlord / housing provider", "Children's Services") and (
                rng.random() < 0.5
            ):
                rows.append(
                    SharingRecord(
                        id=self.uid(),
                        case_id=case.id,
                        agency=agency,
                        what="Victim's diary sheets and incident log",
                        legal_basis=rng.choice(list(LegalBasis)).value,
                        shared_on=day,
                        officer=case.officer,
                        consent_status="given",
                        created_at=self.stamp(day),
                    )
                )

    def _actions(
        self,
        case: Case,
        plan: Plan,
        accepted_on: date,
        end: date,
        house: int,
        rows: list[SQLModel],
    ) -> None:
        rng = self.rng
        open_case = plan.status in (CaseStatus.ACCEPTED, CaseStatus.REOPENED)
        rows.append(
            Action(
                id=self.uid(),
                case_id=case.id,
                kind=ActionKind.DIARY_SHEETS.value,
                title="Send diary sheets and the process letter",
                owner=case.officer,
                due_on=accepted_on,
                done_on=accepted_on,
                created_at=self.stamp(accepted_on),
            )
        )
        for _ in range(rng.randint(1, 4)):
            created = self.day_between(accepted_on, end)
            due = created + timedelta(days=rng.randint(3, 30))
            if open_case and (plan.force_overdue or rng.random() < 0.3):
                done = None  # overdue once `due` has passed
                due = min(due, self.today - timedelta(days=rng.randint(1, 10)))
                due = max(due, created)
            elif open_case and due > self.today:
                done = None
            else:
                done = min(due, end)
            rows.append(
                Action(
                    id=self.uid(),
                    case_id=case.id,
                    kind=ActionKind.GENERAL.value,
                    title=self.pick(ACTION_TITLES).format(n=house),
                    owner=case.officer,
                    agency=self.pick(AGENCIES) if rng.random() < 0.3 else "",
                    due_on=due,
                    done_on=done,
                    created_at=self.stamp(created),
                )
            )

    def _house_to_house(
        self,
        case: Case,
        region: Region,
        street: str,
        town: str,
        accepted_on: date,
        end: date,
        rows: list[SQLModel],
    ) -> None:
        rng = self.rng
        day = self.day_between(accepted_on, end)
        run = HouseToHouseRun(
            id=self.uid(),
            case_id=case.id,
            area=f"{street}, odd numbers",
            run_on=day,
            notes="Leaflets left where no answer",
        )
        rows.append(run)
        start = rng.randrange(1, 40, 2)
        for position in range(rng.randint(6, 12)):
            outcome = rng.choice([*list(DoorOutcome), None])
            rows.append(
                DoorEnquiry(
                    id=self.uid(),
                    case_id=case.id,
                    run_id=run.id,
                    position=position + 1,
                    address=f"{start + 2 * position} {street}, {town.split('|')[0]}",
                    outcome=outcome.value if outcome else None,
                    note="Heard shouting most nights"
                    if outcome is DoorOutcome.INFORMATION_GIVEN
                    else "",
                    done_at=self.stamp(day) if outcome else None,
                )
            )

    def _legal(
        self, case: Case, perpetrator: Person, accepted_on: date, end: date, rows: list[SQLModel]
    ) -> None:
        rng = self.rng
        kind = rng.choice(
            (
                LegalRemedyKind.ABC,
                LegalRemedyKind.CPW,
                LegalRemedyKind.CPN,
                LegalRemedyKind.CIVIL_INJUNCTION,
            )
        )
        started = self.day_between(accepted_on, end)
        # The rows are built here for speed, so they pass the store's own date rules.
        check_remedy_start(started, self.today)
        remedy = LegalRemedy(
            id=self.uid(),
            case_id=case.id,
            kind=kind.value,
            person_id=perpetrator.id,
            status="in-force",
            started_on=started,
            review_on=started + timedelta(days=90),
            expires_on=started + timedelta(days=365),
            victim_role="Gave a witness statement",
            support_offered="Victim Support; court accompaniment",
        )
        rows.append(remedy)
        day = started
        for stage in STAGES[: rng.randint(1, 3)]:
            check_stage_date(day, self.today)
            rows.append(
                LegalStage(
                    id=self.uid(),
                    case_id=case.id,
                    remedy_id=remedy.id,
                    stage=stage,
                    stage_on=day,
                    created_at=self.stamp(day),
                )
            )
            day = min(day + timedelta(days=rng.randint(7, 30)), end)

    def _evidence(self, case: Case, accepted_on: date, end: date, rows: list[SQLModel]) -> None:
        # A record of the exhibit only: demo data holds no file (content_key empty).
        for number in range(1, self.rng.choices((0, 1, 2), weights=(50, 35, 15))[0] + 1):
            day = self.day_between(accepted_on, end)
            name = f"photo-{self.rng.randint(1000, 9999)}.jpg"
            rows.append(
                EvidenceItem(
                    id=self.uid(),
                    case_id=case.id,
                    exhibit_ref=f"EX/{number}",
                    kind="photo",
                    description="Photo of the damage taken by the victim",
                    source="victim",
                    media_type="image/jpeg",
                    obtained_on=day,
                    original_name=name,
                    sha256=hashlib.sha256(f"{case.id}/{name}".encode()).hexdigest(),
                    created_at=self.stamp(day),
                )
            )

    def _notes(self, case: Case, start: date, end: date, rows: list[SQLModel]) -> None:
        for _ in range(self.rng.randint(0, 3)):
            day = self.day_between(start, end)
            body = self.pick(NOTES)
            rows.append(
                Note(
                    id=self.uid(),
                    case_id=case.id,
                    kind="denial" if "denies" in body else "general",
                    body=body,
                    author=case.officer,
                    created_at=self.stamp(day),
                )
            )
        if case.status == CaseStatus.REOPENED.value:
            rows.append(
                Note(
                    id=self.uid(),
                    case_id=case.id,
                    body="Case reopened: the victim reports the behaviour has started again.",
                    author=case.officer,
                    created_at=self.stamp(end),
                )
            )

    def _high_risk(self, case: Case, accepted_on: date, end: date, rows: list[SQLModel]) -> None:
        """What the high-risk protocol writes on acceptance (`cases._start_protocol`): the VSO
        and VVC referral tasks and referrals, worded as the app words them; then the manager's
        reviews at the configured interval."""
        rng = self.rng
        region = Region(case.region)
        tasks = high_risk_protocol_tasks(
            RiskLevel(case.risk_level) if case.risk_level else None,
            case.repeat_victim,
            accepted_on,
            self.rules.vvc,
            region,
            self.rules.closures,
        )
        reason = "high risk" if case.risk_level == RiskLevel.HIGH.value else "repeat victim"
        for task in tasks:
            done = task.due_on if task.due_on < end and rng.random() < 0.8 else None
            rows.append(
                Action(
                    id=self.uid(),
                    case_id=case.id,
                    kind=task.kind.value,
                    title=task.title,
                    owner=case.officer,
                    due_on=task.due_on,
                    done_on=done,
                    created_at=self.stamp(accepted_on),
                )
            )
        for kind, meeting in (
            (ReferralKind.VSO, None),
            (ReferralKind.VVC, next_vvc_meeting(accepted_on, self.rules.vvc)),
        ):
            rows.append(
                Referral(
                    id=self.uid(),
                    case_id=case.id,
                    kind=kind.value,
                    referred_on=accepted_on,
                    reason=reason,
                    meeting_on=meeting,
                    status="open",
                )
            )
        interval = self.rules.manager_review_days
        review = accepted_on + timedelta(days=interval)
        while review <= end and review <= self.today:
            rows.append(
                ManagerReview(
                    id=self.uid(),
                    case_id=case.id,
                    reviewed_on=review,
                    reviewer=case.case_manager,
                    reason="high-risk",
                    notes="Actions on track" if rng.random() < 0.7 else "Chase the landlord",
                    next_review_on=review + timedelta(days=interval),
                    created_at=self.stamp(review),
                )
            )
            # Mostly on time, sometimes late: a late review is what the dashboard must show.
            review += timedelta(days=interval + rng.choice((0, 0, 7, 21)))
        if rng.random() < 0.5:
            rows.append(
                VvcDecision(
                    id=self.uid(),
                    case_id=case.id,
                    meeting_on=accepted_on + timedelta(days=rng.randint(10, 40)),
                    case_officer=case.officer,
                    case_manager=case.case_manager,
                    decision="Keep open; joint visit with the police",
                    actions=[{"what": "Joint visit with PCSO", "who": case.officer}],
                )
            )
