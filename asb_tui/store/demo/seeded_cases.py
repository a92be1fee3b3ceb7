"""The demo's seeded cases, each made by the same store commands the screens call, step by step
in the order the council's procedure takes them, and stopped at the case's planned stage.

The plan (drawing.py) says where a case ends: referred, accepted and open, closed for one of the
procedure's reasons, or closed and reopened. Every step is a command dated on the day it
happened (the commands that check a date against "today" are given the demo's `today`), so a
case holds only states the app can reach: the protocol's own tasks and referrals, the home-visit
task met by the visit, consent and the contact agreement from the visit form, and so on.

Who works the cases: the laptop's officer (the name and team kept in the store, from the config
the caller passes). A few random cases (about one in eight after the fixed ones) are a colleague's
of the same team, so the dashboard's "mine" and "team" views differ.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from asb_tui.config import Config
from asb_tui.domain.case_deadlines import DeadlineRules
from asb_tui.domain.risk import score_assessment
from asb_tui.domain.types import (
    CaseStatus,
    Category,
    ClosureReason,
    DoorOutcome,
    LegalBasis,
    LegalRemedyKind,
    PartyRole,
    RiskLevel,
)
from asb_tui.domain.vvc import vvc_meetings
from asb_tui.domain.working_days import add_working_days
from asb_tui.store.commands import (
    cases,
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
from asb_tui.store.core.case_refs import demo_series
from asb_tui.store.core.models import Case
from asb_tui.store.core.store import Store
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
    STREETS,
    SUMMARIES,
    TOWNS,
    VULNERABILITIES,
    WHO,
    Draw,
    Plan,
)

# Stages after the first one (the remedy's own), as the legal remedy form offers them.
LATER_STAGES = ("served", "hearing listed", "order granted")
REMEDY_KINDS = (
    LegalRemedyKind.ABC,
    LegalRemedyKind.CPW,
    LegalRemedyKind.CPN,
    LegalRemedyKind.CIVIL_INJUNCTION,
)


@dataclass(frozen=True)
class SeededCase:
    case_id: str
    ref: str
    officer: str


class SeededCases(Draw):
    """Walks planned cases through the commands; `store` may be `one_transaction`'s batch."""

    def __init__(
        self,
        rng: random.Random,
        today: date,
        incidents_per_case: int | None,
        rules: DeadlineRules,
        config: Config,
    ) -> None:
        super().__init__(rng, today, incidents_per_case, rules)
        self.config = config
        colleagues = tuple(name for name in OFFICERS if name != config.officer)
        self.colleague = colleagues[0] if colleagues else OFFICERS[0]
        # Some alleged perpetrators turn up again in later cases (the same person, confirmed):
        # decided by a generator of their own, so the rest of the data is as the seed made it.
        # Seeded from the state of `rng` (taking nothing from it): the same seed, the same people.
        self._again = random.Random(str(rng.getstate()[1][:8]))
        self._perpetrators_seen: list[tuple[str, date | None, str]] = []

    def walk(
        self, store: Store, plan: Plan, hostile_name: str | None, *, colleagues: bool
    ) -> SeededCase:
        rng = self.rng
        rules = self.rules
        today = self.today
        category = rng.choices(
            (Category.PERSONAL, Category.NUISANCE, Category.ENVIRONMENTAL), weights=(45, 40, 15)
        )[0]
        street = self.pick(STREETS)
        place, area = rng.choice(TOWNS[plan.region])
        house = rng.randint(1, 120)
        officer = self.config.officer
        if colleagues and rng.random() < 0.125:
            officer = self.colleague  # a colleague's case: the team view shows it, "mine" not
        made = cases.refer_case(
            store,
            category=category.value,
            summary=self.pick(SUMMARIES[category]).format(n=house, street=street),
            referred_on=plan.referred_on,
            location=f"{street}, {place}",
            referral_source=self.pick(REFERRAL_SOURCES),
            officer=officer,
            team=self.config.team,
            region=plan.region.value,
            series=demo_series(store.device_id),
        )
        case_id = made.id
        victim, perpetrators, witnesses = self._people(
            store, case_id, plan, street, place, area, house, hostile_name
        )
        accepted = plan.status is not CaseStatus.REFERRED and plan.reason is not (
            ClosureReason.NOT_ACCEPTED
        )
        if not accepted:
            if plan.reason is None:
                self._notes(store, case_id)
            if plan.reason is ClosureReason.NOT_ACCEPTED:
                cases.close_case(
                    store,
                    case_id,
                    reason=ClosureReason.NOT_ACCEPTED,
                    on=min(plan.referred_on + timedelta(days=rng.randint(1, 10)), today),
                    note="Passed to the housing provider: not ASB under the procedure",
                )
            return SeededCase(case_id, made.ref, officer)
        accepted_on = min(
            add_working_days(plan.referred_on, rng.randint(0, 3), plan.region, rules.closures),
            today,
        )
        closed_on: date | None = None
        reopened_on: date | None = None
        if plan.status is CaseStatus.CLOSED:
            closed_on = min(accepted_on + timedelta(days=rng.randint(5, 150)), today)
        elif plan.status is CaseStatus.REOPENED:
            closed_on = min(accepted_on + timedelta(days=rng.randint(30, 90)), today)
            reopened_on = min(closed_on + timedelta(days=rng.randint(14, 60)), today)
        # What happens before the case is closed (or before today while it is open).
        end = closed_on or today
        assert plan.risk is not None
        self._accept(store, case_id, plan.risk, accepted_on, victim)
        self._diary(store, case_id, category, victim, accepted_on, end, plan.referred_on, house)
        visit_done = self._home_visit(
            store, case_id, plan, accepted_on, end, perpetrators, witnesses
        )
        if visit_done is not None:
            self._victim_updates(store, case_id, visit_done, end)
            if perpetrators and rng.random() < 0.55:
                self._perpetrator_visit(store, case_id, visit_done, end)
        self._agencies(store, case_id, accepted_on, end)
        self._actions(store, case_id, plan, accepted_on, end, house, officer)
        if rng.random() < 0.08 or plan.force_overdue:
            self._house_to_house(store, case_id, street, place, accepted_on, end)
        if perpetrators and (rng.random() < 0.05 or plan.status is CaseStatus.REOPENED):
            self._legal(store, case_id, perpetrators[0], accepted_on, end)
        if rng.random() < 0.05:
            legal.record_safeguarding_concern(
                store,
                case_id,
                about=rng.choice(("child", "adult")),
                referred_on=self.day_between(accepted_on, end),
                reference=f"SG-{rng.randint(10000, 99999)}",
                details="Concern raised at the home visit",
            )
        if plan.status is not CaseStatus.CLOSED:
            self._notes(store, case_id)
        if plan.risk is RiskLevel.HIGH:
            self._high_risk(store, case_id, accepted_on, end, officer)
        elif (
            plan.risk is RiskLevel.MEDIUM
            and rng.random() < 0.15
            and not self._repeat_victim(store, case_id)
        ):
            # Referred to the VVC by hand (the VVC screen's referral form); a repeat victim's
            # case was referred already, when their diary made them one.
            vvc_store.add_vvc_referral(
                store,
                self.config,
                case_id,
                referred_on=self.day_between(accepted_on, end),
                reason="escalating behaviour",
                today=self.today,
            )
        if closed_on is not None:
            reason = plan.reason or ClosureReason.ASB_CEASED
            cases.close_case(
                store, case_id, reason=reason, on=closed_on, note="Closed with the victim's view"
            )
        if reopened_on is not None:
            cases.reopen_case(
                store,
                case_id,
                reason="The victim reports the behaviour has started again",
                on=reopened_on,
                rules=rules,
            )
        return SeededCase(case_id, made.ref, officer)

    # -- the steps ---------------------------------------------------------------------------------

    def _people(
        self,
        store: Store,
        case_id: str,
        plan: Plan,
        street: str,
        place: str,
        area: str,
        house: int,
        hostile_name: str | None,
    ) -> tuple[str, list[str], list[str]]:
        """The victim (and sometimes a second), alleged perpetrators and others as the referral
        names them; witnesses come later, from the home visit. Returns the ids and the witness
        names."""
        rng = self.rng
        roles = [PartyRole.VICTIM]
        if rng.random() < 0.2:
            roles.append(PartyRole.VICTIM)
        roles += [PartyRole.ALLEGED_PERPETRATOR] * rng.choices((0, 1, 2), weights=(15, 70, 15))[0]
        if rng.random() < 0.1:
            roles.append(PartyRole.OTHER)
        witnesses = [self.name() for _ in range(rng.choices((0, 1, 2), weights=(50, 35, 15))[0])]
        victims: list[str] = []
        perpetrators: list[str] = []
        home = f"{house + 2} {street}, {place}"
        for position, role in enumerate(roles):
            name = hostile_name if hostile_name and position == len(roles) - 1 else self.name()
            born = self.today - timedelta(days=rng.randint(16 * 365, 88 * 365))
            # Drawn in the order they always were, so a seed gives the same data as before.
            address_text = home if role is PartyRole.VICTIM else self._address(street, place, area)
            phone = self.phone() if rng.random() < 0.8 else ""
            email = (
                f"{name.split()[0].lower()}.{rng.randint(1, 99)}@example.org"
                if rng.random() < 0.4 and name.split()[0].isalpha()
                else ""
            )
            language = self.pick(LANGUAGES) if role is PartyRole.VICTIM else ""
            born_on: date | None = born if rng.random() < 0.85 else None
            vulnerabilities = self.pick(VULNERABILITIES) if role is PartyRole.VICTIM else ""
            denies = role is PartyRole.ALLEGED_PERPETRATOR and rng.random() < 0.3
            same_as: str | None = None
            if (
                role is PartyRole.ALLEGED_PERPETRATOR
                and name != hostile_name
                and self._perpetrators_seen
                and self._again.random() < 0.2
            ):
                name, born_on, same_as = self._again.choice(self._perpetrators_seen)
            person_id = people.add_person_to_case(
                store,
                case_id,
                same_as=same_as,
                today=self.today,
                rules=self.rules,
                name=name,
                role=role.value,
                address_text=address_text,
                phone=phone,
                email=email,
                language=language,
                date_of_birth=born_on,
                vulnerabilities=vulnerabilities,
                notes="Denies the allegations" if denies else "",
            )
            if role is PartyRole.VICTIM:
                victims.append(person_id)
            elif role is PartyRole.ALLEGED_PERPETRATOR:
                perpetrators.append(person_id)
                if same_as is None:
                    self._perpetrators_seen.append((name, born_on, person_id))
        return victims[0], perpetrators, witnesses

    def _address(self, street: str, place: str, area: str) -> str:
        letters = "".join(self.rng.choice("ABDEFGHJLNPQRSTUWXYZ") for _ in range(2))
        postcode = f"{area}{self.rng.randint(1, 28)} {self.rng.randint(1, 9)}{letters}"
        return f"{self.rng.randint(1, 180)} {street}, {place} {postcode}"

    def _accept(
        self, store: Store, case_id: str, wanted: RiskLevel, on: date, victim_id: str
    ) -> None:
        """Acceptance with the questionnaire: answers leaning to the wanted level, redrawn a few
        times until they score it; if they still score lower the officer raises the level with a
        reason (the form allows it), if higher the computed level stands (lowering is not)."""
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
        raise_to = wanted if wanted.rank > result.level.rank else None
        cases.accept_case(
            store,
            case_id,
            on=on,
            questionnaire=self.questionnaire,
            answers=answers,
            rules=self.rules,
            override=raise_to,
            override_reason="Officer's judgement: victim is isolated" if raise_to else "",
            person_id=victim_id,
        )

    def _diary(
        self,
        store: Store,
        case_id: str,
        category: Category,
        victim_id: str,
        accepted_on: date,
        end: date,
        referred_on: date,
        house: int,
    ) -> None:
        """Diary sheets sent every four weeks and mostly returned; the incidents typed from them
        (an incident before the first sheet is in the first sheet's "since it started" page)."""
        rng = self.rng
        sheets: list[tuple[str, date, date | None]] = []
        for number in range(rng.choices((1, 2, 3), weights=(60, 30, 10))[0]):
            sent = accepted_on + timedelta(days=28 * number)
            if sent > end:
                break
            sheet = diary.record_sheets_sent(
                store, case_id, sent_on=sent, letter_sent_on=sent, person_id=victim_id
            )
            back = sent + timedelta(days=rng.randint(10, 30))
            if back <= end and rng.random() < 0.8:
                diary.record_sheet_returned(store, sheet.id, back)
                sheets.append((sheet.id, sent, back))
            else:
                sheets.append((sheet.id, sent, None))
        count = self.incidents_per_case
        if count is None:
            count = rng.randint(2, 12)
        first = referred_on - timedelta(days=45)
        for _ in range(count):
            when = self.day_between(first, end)
            sheet_id, _sent, returned = next(
                (s for s in sheets if s[2] is not None and s[1] <= when <= s[2]), sheets[0]
            )
            police = rng.random() < 0.25
            clock = self.clock()
            diary.add_diary_entry(
                store,
                sheet_id,
                diary.DiaryEntry(
                    occurred_on=when,
                    occurred_time=clock if rng.random() < 0.85 else "",
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
                ),
                typed_on=returned or max(when, accepted_on),
            )

    def _home_visit(
        self,
        store: Store,
        case_id: str,
        plan: Plan,
        accepted_on: date,
        end: date,
        perpetrators: list[str],
        witnesses: list[str],
    ) -> date | None:
        """The first home visit (its task due by the procedure's rule, set on acceptance): done
        with its form, or left due or overdue on an open case. Returns the day it was done."""
        rng = self.rng
        level = plan.risk
        due = cases.preview_home_visit_due(accepted_on, level, self.rules, plan.region.value)
        still_open = plan.status in (CaseStatus.ACCEPTED, CaseStatus.REOPENED)
        if plan.force_overdue or (due >= self.today and still_open):
            return None  # overdue, or due and not yet overdue
        if still_open and plan.status is CaseStatus.ACCEPTED and rng.random() < 0.25:
            return None  # overdue
        done = min(self.day_between(accepted_on, due + timedelta(days=2)), end)
        agreed = bool(perpetrators) and rng.random() < 0.55
        visits.complete_home_visit(
            store,
            case_id,
            visits.HomeVisitRecord(
                visited_on=done,
                present="Victim" + (" and daughter" if rng.random() < 0.3 else ""),
                evidence_gathered="Diary sheets, photos of damage",
                perpetrator_identified="Neighbour named by the victim" if perpetrators else "",
                witnesses=tuple(
                    visits.Witness(name, phone=self.phone() if rng.random() < 0.5 else "")
                    for name in witnesses
                ),
                further_needs=self.pick(FURTHER_NEEDS),
                signposting=tuple(sorted(rng.sample(SIGNPOSTING, rng.randint(0, 3)))),
                consent=visits.ConsentRecord(
                    record_and_share=rng.random() < 0.92,
                    signed=rng.random() < 0.9,
                    given_on=done,
                    scope="Share with police, landlord and Children's Services (s115)",
                    perpetrator_visit_agreed=agreed,
                ),
                contact=visits.ContactTerms(
                    self.pick(FREQUENCIES),
                    self.pick(MEANS),
                    self.pick(SAFE_TIMES),
                    rng.random() < 0.6,
                ),
                notes="Action plan agreed with the victim",
            ),
            closures=self.rules.closures,
        )
        return done

    def _perpetrator_visit(self, store: Store, case_id: str, visited: date, end: date) -> None:
        agreed_on = min(visited + timedelta(days=self.rng.randint(0, 3)), end)
        visits.record_perpetrator_visit_agreement(store, case_id, agreed_on)
        done = min(agreed_on + timedelta(days=self.rng.randint(3, 20)), end)
        denial = self.rng.random() < 0.6
        visits.record_perpetrator_visit(
            store,
            case_id,
            visited_on=done,
            outcome="Warned about their behaviour",
            denial=denial,
            counter_allegation="Says the victim's children kick a ball at the car"
            if denial and self.rng.random() < 0.4
            else "",
        )

    def _victim_updates(self, store: Store, case_id: str, since: date, end: date) -> None:
        days = sorted(self.day_between(since, end) for _ in range(self.rng.randint(0, 4)))
        for day in days:
            contacts.log_victim_update(
                store,
                case_id,
                updated_on=day,
                means=self.pick(MEANS),
                summary="Told the victim about the warning letter and next steps",
                feels_safer=self.rng.choice(("yes", "no", "a little", "")),
                closures=self.rules.closures,
            )

    def _agencies(self, store: Store, case_id: str, accepted_on: date, end: date) -> None:
        rng = self.rng
        for agency in rng.sample(AGENCIES, rng.randint(1, 4)):
            day = self.day_between(accepted_on, end)
            contacts.add_agency_contact(
                store,
                case_id,
                agency=agency,
                contacted_on=day,
                method=self.pick(CONTACT_METHODS),
                summary=f"Discussed the case with {agency.lower()}",
                contact_name=self.name(),
                reference=f"REF{rng.randint(10000, 99999)}" if rng.random() < 0.5 else "",
                follow_up_due=day + timedelta(days=14) if rng.random() < 0.3 else None,
            )
            if agency in ("Police", "Landlord / housing provider", "Children's Services") and (
                rng.random() < 0.5
            ):
                basis = rng.choice((LegalBasis.S115, LegalBasis.SAFEGUARDING))
                sharing.share_case(
                    store,
                    case_id,
                    agency=agency,
                    what="Victim's diary sheets and incident log",
                    legal_basis=basis.value,
                    shared_on=day,
                    today=self.today,
                )

    def _actions(
        self,
        store: Store,
        case_id: str,
        plan: Plan,
        accepted_on: date,
        end: date,
        house: int,
        officer: str,
    ) -> None:
        """The officer's own actions: most done on time, some still open (overdue once due)."""
        rng = self.rng
        open_case = plan.status in (CaseStatus.ACCEPTED, CaseStatus.REOPENED)
        for _ in range(rng.randint(1, 4)):
            created = self.day_between(accepted_on, end)
            due = created + timedelta(days=rng.randint(3, 30))
            done: date | None
            if open_case and (plan.force_overdue or rng.random() < 0.3):
                done = None  # overdue once `due` has passed
                due = max(min(due, self.today - timedelta(days=rng.randint(1, 10))), created)
            elif open_case and due > self.today:
                done = None
            else:
                done = min(due, end)
            action_id = cases.add_action(
                store,
                case_id,
                title=self.pick(ACTION_TITLES).format(n=house),
                due_on=due,
                owner=officer,
                agency=self.pick(AGENCIES) if rng.random() < 0.3 else "",
            )
            if done is not None:
                cases.complete_action(store, action_id, on=done)

    def _house_to_house(
        self, store: Store, case_id: str, street: str, place: str, accepted_on: date, end: date
    ) -> None:
        rng = self.rng
        start = rng.randrange(1, 40, 2)
        doors = [f"{start + 2 * n} {street}, {place}" for n in range(rng.randint(6, 12))]
        run = house_to_house.create_run(
            store,
            case_id,
            area=f"{street}, odd numbers",
            run_on=self.day_between(accepted_on, end),
            addresses="\n".join(doors),
            notes="Leaflets left where no answer",
        )
        for door in house_to_house.run_sheet(store, run.id).doors:
            outcome = rng.choice([*list(DoorOutcome), None])
            if outcome is None:
                continue  # not knocked yet
            note = "Heard shouting most nights" if outcome is DoorOutcome.INFORMATION_GIVEN else ""
            house_to_house.record_door_outcome(store, door.id, outcome, note=note)

    def _legal(
        self, store: Store, case_id: str, perpetrator_id: str, accepted_on: date, end: date
    ) -> None:
        rng = self.rng
        started = self.day_between(accepted_on, end)
        kind = rng.choice(REMEDY_KINDS)
        if kind is LegalRemedyKind.CPN:
            # A notice follows a written warning to the same person (s43(5)).
            legal.add_legal_remedy(
                store,
                case_id,
                kind=LegalRemedyKind.CPW,
                started_on=accepted_on,
                stage="issued",
                person_id=perpetrator_id,
                today=self.today,
            )
        remedy = legal.add_legal_remedy(
            store,
            case_id,
            kind=kind,
            started_on=started,
            stage="issued",
            person_id=perpetrator_id,
            victim_role="Gave a witness statement",
            support_offered="Victim Support; court accompaniment",
            today=self.today,
        )
        day = started
        for stage in LATER_STAGES[: rng.randint(0, 2)]:
            day = min(day + timedelta(days=rng.randint(7, 30)), end)
            legal.add_legal_stage(store, remedy.id, stage=stage, stage_on=day, today=self.today)

    def _notes(self, store: Store, case_id: str) -> None:
        """Notes are dated when they are written (today), so only a case still open has them."""
        for _ in range(self.rng.randint(0, 3)):
            body = self.pick(NOTES)
            cases.add_note(
                store, case_id, body=body, kind="denial" if "denies" in body else "general"
            )

    @staticmethod
    def _repeat_victim(store: Store, case_id: str) -> bool:
        with store.read() as session:
            case = session.get(Case, case_id)
        return case is not None and case.repeat_victim

    def _high_risk(
        self, store: Store, case_id: str, accepted_on: date, end: date, officer: str
    ) -> None:
        """Acceptance started the protocol (the VSO and VVC referrals and their tasks); here the
        manager's reviews at the configured interval and, for some, the VVC's decision."""
        rng = self.rng
        interval = self.rules.manager_review_days
        manager = self.pick(MANAGERS)
        review = accepted_on + timedelta(days=interval)
        while review <= end:
            reviews.record_review(
                store,
                case_id,
                reviewed_on=review,
                notes="Actions on track" if rng.random() < 0.7 else "Chase the landlord",
                reason="high-risk",
                reviewer=manager,
                next_review_on=review + timedelta(days=interval),
                today=self.today,
            )
            # Mostly on time, sometimes late: a late review is what the dashboard must show.
            review += timedelta(days=interval + rng.choice((0, 0, 7, 21)))
        held = [
            m
            for m in vvc_meetings(accepted_on, end, vvc_store.vvc_rule(self.config))
            if accepted_on < m < self.today
        ]
        if held and rng.random() < 0.5:
            meeting = held[0]
            vvc_store.record_vvc_decision(
                store,
                self.config,
                case_id,
                meeting,
                case_officer=officer,
                case_manager=manager,
                decision="Keep open; joint visit with the police",
                actions=vvc_store.parse_vvc_actions(
                    f"Joint visit with PCSO | {officer} | "
                    f"{(meeting + timedelta(days=14)):%d/%m/%Y}",
                    meeting,
                ),
            )
