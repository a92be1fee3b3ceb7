"""Synthetic demo data: realistic cases that hold no real person's data.

The same seed (and the same `today`) gives the same cases, ids, references and timestamps in any
store, so two demo stores export identically. Everything is written through the unit of work in
batches of `batch_size` cases per transaction, so the demo store has the audit chain and the
change records that real data has.

Two write modes:

- per row (the default): `uow.add` for every row, exactly the path the app uses (an audit event and
  a change record per row). About 1.5 ms a row: fine for the default 50 cases, minutes for the
  benchmark's 5,000 cases / 100,000 incidents.
- `bulk=True`, for benchmark-size stores: rows are inserted a table at a time per batch, still with
  a change record for every row (the same fields `uow.add` records, numbered with the device
  counter) but with ONE audit event per case (`demo.case`, naming the row counts per table) instead
  of one per row. The audit chain stays intact and verifiable; it is just shorter.

Every default demo also takes two cases through the council's whole procedure with the app's own
store commands (`demo_walkthrough.walk_case`, batched in one transaction): referral, acceptance
with the questionnaire, the high-risk protocol, diary entries, the home visit with witnesses,
needs and signposting, contacts, house-to-house, the perpetrator visit, a legal remedy,
safeguarding, a share, a manager review, the VVC's decision, closure and reopening. The seeded
cases follow the same rules where they write what a command would (the protocol's tasks and
referrals as the app words them, reviews at the configured interval).

Names are drawn from lists that reflect a UK town (including Polish, Irish, Arabic, South Asian,
Caribbean and Welsh names); a couple are deliberately markup-like (`[bold]Smith[/]`,
`O'Brien [/]`), because real officers type such things and the app must show them literally.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlmodel import SQLModel, col, func, select

from asb_tui.config import Config
from asb_tui.domain.case_deadlines import DeadlineRules, home_visit_due
from asb_tui.domain.legal import check_remedy_start, check_stage_date
from asb_tui.domain.risk import high_risk_protocol_tasks, load_questionnaire, score_assessment
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
from asb_tui.store.core.case_refs import DEMO_SERIES, next_case_ref
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
from asb_tui.store.core.store import Store
from asb_tui.store.core.unit_of_work import UnitOfWork
from asb_tui.store.queries.deadline_facts import deadline_rules

DEMO_ACTION = "demo.add"
DEMO_CASE_ACTION = "demo.case"
MAX_CASES = 100_000

# --- vocabulary ---------------------------------------------------------------------------------

# fmt: off
FIRST_NAMES = (
    "Margaret", "David", "Susan", "John", "Karen", "Paul", "Janet", "Gary", "Tracey", "Darren",
    "Aisha", "Mohammed", "Fatima", "Omar", "Yusuf", "Layla", "Priya", "Rajesh", "Sunita", "Arjun",
    "Harpreet", "Gurpreet", "Imran", "Nasreen", "Bilal", "Zainab", "Agnieszka", "Tomasz",
    "Katarzyna", "Piotr", "Magdalena", "Łukasz", "Siobhán", "Seán", "Niamh", "Ciarán", "Aoife",
    "Delroy", "Marcia", "Winston", "Claudette", "Leroy", "Sharon", "Dwayne", "Rhys", "Cerys",
    "Gareth", "Bethan", "Chidi", "Ngozi", "Adebayo", "Oluwaseun", "Mehmet", "Elif", "Ioana",
    "Andrei", "Kwame", "Abena", "Hamza", "Amira", "Kieran", "Chloe", "Jordan", "Jade",
    "Bartłomiej",
)
SURNAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "Hughes", "Khan", "Ahmed", "Hussain", "Begum", "Ali",
    "Patel", "Sharma", "Singh", "Kaur", "Chaudhry", "Iqbal", "Nowak", "Kowalski", "Wiśniewski",
    "Wójcik", "Kamińska", "Lewandowski", "Murphy", "O'Sullivan", "Ó Súilleabháin", "Byrne",
    "McCarthy", "Doherty", "Campbell", "Gayle", "Clarke", "Francis", "Reid", "Thomas", "Bennett",
    "Okafor", "Adeyemi", "Mensah", "Yılmaz", "Popescu", "Al-Sayed", "Haddad", "Rahman", "Mirza",
    "Llewellyn", "Pritchard", "MacLeod", "Fraser", "Nic Dhomhnaill", "Grant", "Barker",
)
HOSTILE_NAMES = (
    "[bold]Smith[/]", "Seán O'Brien [/]",
)
STREETS = (
    "Acacia Road", "Victoria Street", "Church Lane", "Station Road", "Queen's Drive", "Mill Lane",
    "Park View", "Chapel Street", "Westfield Avenue", "Beech Grove", "Canal Walk",
    "Albert Terrace", "Highfield Close", "Newton Way", "Jubilee Court", "Moorland Rise",
    "Orchard Crescent", "St Mary's Road", "Clifton Gardens", "Harehills Lane", "Ladypool Road",
    "Tudor Way",
)
TOWNS: dict[Region, tuple[tuple[str, str], ...]] = {
    Region.ENGLAND_AND_WALES: (
        ("Leeds", "LS"), ("Bradford", "BD"), ("Manchester", "M"), ("Birmingham", "B"),
        ("Luton", "LU"), ("Sheffield", "S"), ("Cardiff", "CF"), ("Leicester", "LE"),
        ("Bristol", "BS"), ("Swansea", "SA"),
    ),
    Region.SCOTLAND: (
        ("Glasgow", "G"), ("Edinburgh", "EH"), ("Dundee", "DD"),
    ),
    Region.NORTHERN_IRELAND: (
        ("Belfast", "BT"), ("Derry", "BT"),
    ),
}
POSTCODE_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ'
LANGUAGES = (
    "", "", "", "", "", "Polish", "Urdu", "Punjabi", "Arabic", "Romanian", "Bengali", "Somali",
)
OFFICERS = (
    "Priya Natarajan", "Tom Hughes", "Gemma Doherty", "Kwame Mensah", "Rhian Pritchard",
)
MANAGERS = (
    "Sarah Whitfield", "Imran Chaudhry",
)
TEAMS = (
    "Safer Communities North", "Safer Communities South",
)
REFERRAL_SOURCES = (
    "Phone call from victim", "Online form", "Police referral", "Housing officer",
    "Councillor enquiry", "GP surgery", "Email from victim", "Neighbourhood warden",
)
VULNERABILITIES = (
    "", "", "Lives alone", "Learning disability", "Anxiety and depression", "COPD; uses oxygen",
    "Recently bereaved", "Wheelchair user", "Two children under five", "Hearing impaired",
    "Dementia (early stage)", "Previous victim of hate crime",
)
FURTHER_NEEDS = (
    "", "", "Large print letters", "Interpreter needed", "Prefers contact through daughter",
    "Text messages only", "Needs door entry by appointment", "Referred to mental health team",
)
SUMMARIES: dict[Category, tuple[str, ...]] = {
    Category.PERSONAL: (
        "Victim reports persistent verbal abuse and intimidation from the household at no. {n}.",
        "Repeated harassment of the victim, believed to be targeted because of their ethnicity.",
        "Youths gathering outside the victim's home, shouting abuse and knocking on doors.",
        "Threats and name-calling when the victim leaves for work; victim feels unsafe.",
        "Victim's car scratched and tyres let down; blames the neighbour at no. {n}.",
    ),
    Category.NUISANCE: (
        "Loud music and parties at the neighbouring flat, often after midnight.",
        "Suspected drug dealing from no. {n}: visitors at all hours, cars idling outside.",
        "Dogs barking for hours and dog fouling on the shared path.",
        "Off-road motorbikes ridden on {street} and the playing field in the evenings.",
        "Youths gathering in the stairwell of the block, drinking and smoking cannabis.",
    ),
    Category.ENVIRONMENTAL: (
        "Fly-tipping on the service road behind {street}: mattresses and builders' waste.",
        "Graffiti on garages and the bus shelter on {street}, some of it offensive.",
        "Rubbish and rats in the garden of no. {n}; bins left out on the pavement.",
        "Bonfires of household waste in the back garden of no. {n}.",
    ),
}
INCIDENTS: dict[Category, tuple[str, ...]] = {
    Category.PERSONAL: (
        "Shouted abuse at me from the garden as I came home: called me a {slur}.",
        "Banged on my front door at {time} and ran off laughing.",
        "Followed me to the bus stop, swearing and making threats.",
        "Spat at my car and kicked the wing mirror.",
        "Posted a note through the door saying we are not wanted here.",
        "Stood at the fence staring at my children playing, then swore at them.",
        "Threw eggs at the windows.",
        "Blocked my drive with their van again and refused to move it.",
    ),
    Category.NUISANCE: (
        "Music so loud the walls shook from {time} until about 3am.",
        "Party next door, people shouting in the street until 2am.",
        "Cars pulling up outside no. {n}, short visits, looked like dealing.",
        "Dog barking non-stop all afternoon; dog mess left on the path again.",
        "Motorbikes racing up and down the road, nearly hit a child.",
        "Youths gathering in the stairwell, smell of cannabis, bottles left behind.",
        "Arguing and slamming doors upstairs most of the night.",
    ),
    Category.ENVIRONMENTAL: (
        "Another load of rubbish dumped behind the garages: a sofa and paint tins.",
        "New graffiti on the bus shelter and the side of the shop.",
        "Rats seen in the garden next to the overflowing bins.",
        "Bonfire in the garden of no. {n}; smoke came into the house.",
        "Fly-tipped bags split open, rubbish blowing down the street.",
    ),
}
SLURS = (
    "[slur recorded verbatim in the diary sheet]", "foreigner", "“scrounger”",
)
IMPACTS = (
    "Could not sleep", "Frightened to leave the house", "Children upset and crying",
    "Had a panic attack", "Stayed with my sister for the night", "Missed work", "Felt sick", "",
    "Angry and fed up", "Worried it will get worse",
)
WHO = (
    "Man from no. {n}", "Two teenage boys, one in a red hoodie", "The couple next door",
    "Unknown youths", "Woman from the upstairs flat", "Three men in a silver car", "",
)
POLICE_FORCES = (
    "WYP", "GMP", "WMP", "SYP", "BDS", "SWP", "PSNI", "PS",
)
AGENCIES = (
    "Police", "Landlord / housing provider", "Children's Services", "Adult Social Care",
    "Environmental Health", "Mental health team", "Victim Support",
)
CONTACT_METHODS = (
    "phone", "email", "meeting", "letter",
)
FREQUENCIES = (
    "weekly", "fortnightly", "monthly", "5wd", "10wd",
)
MEANS = (
    "phone", "email", "letter", "text message", "home visit",
)
SAFE_TIMES = (
    "Weekdays after 5pm", "Mornings only", "Any time", "Not when her son is home", "",
)
SIGNPOSTING = (
    "Victim Support", "Citizens Advice", "Mediation service", "Mental health crisis line",
    "Domestic abuse service", "Housing options", "Samaritans",
)
ACTION_TITLES = (
    "Write warning letter to the household at no. {n}", "Ask landlord for tenancy history",
    "Request CCTV footage from the shop", "Arrange noise monitoring equipment",
    "Check police systems for previous reports", "Book interpreter for next visit",
    "Chase Environmental Health about the fly-tipping", "Refer to mediation",
)
STAGES = (
    "warning issued", "notice served", "application made", "hearing listed", "order granted",
)
NOTES = (
    "Spoke to the victim on the phone; she is keeping the diary sheets up to date.",
    "PCSO says the address is known to them.",
    "Alleged perpetrator denies everything and says the victim is making it up.",
    "Intelligence from the housing officer: complaints from other neighbours too.",
    "Victim asked that we do not visit the neighbour yet.",
)
# fmt: on


@dataclass(frozen=True)
class DemoSummary:
    cases: int
    rows: int
    incidents: int
    overdue_visits: int
    refs: tuple[str, ...]
    rows_by_table: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    # Cases taken through the app's own commands (`demo_walkthrough`), beyond `cases`.
    worked_refs: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Plan:
    """What kind of case to generate; drawn first so references follow referral dates."""

    status: CaseStatus
    reason: ClosureReason | None
    risk: RiskLevel | None
    region: Region
    referred_on: date
    force_overdue: bool = False


# The first cases cover every status, closure reason and risk level, so even a small demo shows
# the whole process; later ones are drawn at random.
_FIXED_PLANS: tuple[tuple[CaseStatus, ClosureReason | None, RiskLevel | None, bool], ...] = (
    (CaseStatus.ACCEPTED, None, RiskLevel.HIGH, True),
    (CaseStatus.REFERRED, None, None, False),
    (CaseStatus.ACCEPTED, None, RiskLevel.MEDIUM, True),
    (CaseStatus.CLOSED, ClosureReason.ASB_CEASED, RiskLevel.STANDARD, False),
    (CaseStatus.REOPENED, None, RiskLevel.HIGH, False),
    (CaseStatus.CLOSED, ClosureReason.NO_FURTHER_PROGRESS, RiskLevel.MEDIUM, False),
    (CaseStatus.ACCEPTED, None, RiskLevel.STANDARD, False),
    (CaseStatus.CLOSED, ClosureReason.VICTIM_NO_CONTACT, RiskLevel.STANDARD, False),
    (CaseStatus.CLOSED, ClosureReason.NOT_ACCEPTED, None, False),
)


class _Maker:
    """Draws everything from one Random, so the same seed gives the same rows."""

    def __init__(
        self,
        rng: random.Random,
        today: date,
        incidents_per_case: int | None,
        rules: DeadlineRules | None = None,
    ) -> None:
        self.rules = rules or deadline_rules(Config(data_dir=Path(".")), today)
        self.rng = rng
        self.today = today
        self.incidents_per_case = incidents_per_case
        self.questionnaire = load_questionnaire()

    # -- small helpers ---------------------------------------------------------------------------

    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def pick(self, options: tuple[str, ...]) -> str:
        return self.rng.choice(options)

    def stamp(self, day: date) -> datetime:
        """A fixed time of day on `day` (UTC): deterministic created_at values."""
        minutes = self.rng.randrange(8 * 60, 18 * 60)
        return datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=UTC)

    def day_between(self, first: date, last: date) -> date:
        if last <= first:
            return first
        return first + timedelta(days=self.rng.randrange((last - first).days + 1))

    def name(self) -> str:
        return f"{self.pick(FIRST_NAMES)} {self.pick(SURNAMES)}"

    def address(self, region: Region, street: str | None = None, town: str | None = None) -> str:
        place, area = self.rng.choice(TOWNS[region])
        if town is not None:
            place, area = town.split("|")
        letters = "".join(self.rng.choice(POSTCODE_LETTERS) for _ in range(2))
        postcode = f"{area}{self.rng.randint(1, 28)} {self.rng.randint(1, 9)}{letters}"
        number = self.rng.randint(1, 180)
        return f"{number} {street or self.pick(STREETS)}, {place} {postcode}"

    def phone(self) -> str:
        return f"07{self.rng.randint(100, 999)} {self.rng.randint(100000, 999999)}"

    def clock(self) -> str:
        hour = self.rng.choice((7, 8, 13, 17, 19, 20, 21, 22, 23, 0, 1, 2))
        return f"{hour:02d}:{self.rng.randrange(0, 60, 5):02d}"

    # -- plans -------------------------------------------------------------------------------------

    def plan(self, index: int) -> _Plan:
        rng = self.rng
        force_overdue = False
        if index < len(_FIXED_PLANS):
            status, reason, risk, force_overdue = _FIXED_PLANS[index]
        else:
            status = rng.choices(
                (CaseStatus.REFERRED, CaseStatus.ACCEPTED, CaseStatus.CLOSED, CaseStatus.REOPENED),
                weights=(8, 52, 30, 10),
            )[0]
            reason = None
            if status is CaseStatus.CLOSED:
                reason = rng.choices(
                    (
                        ClosureReason.ASB_CEASED,
                        ClosureReason.NO_FURTHER_PROGRESS,
                        ClosureReason.VICTIM_NO_CONTACT,
                        ClosureReason.NOT_ACCEPTED,
                    ),
                    weights=(45, 25, 20, 10),
                )[0]
            risk = rng.choices(
                (RiskLevel.STANDARD, RiskLevel.MEDIUM, RiskLevel.HIGH), weights=(45, 35, 20)
            )[0]
            if status is CaseStatus.REFERRED or reason is ClosureReason.NOT_ACCEPTED:
                risk = None
        region = rng.choices(
            (Region.ENGLAND_AND_WALES, Region.SCOTLAND, Region.NORTHERN_IRELAND),
            weights=(85, 8, 7),
        )[0]
        age = {
            CaseStatus.REFERRED: (1, 6),
            CaseStatus.ACCEPTED: (8, 240),
            CaseStatus.CLOSED: (60, 540),
            CaseStatus.REOPENED: (120, 400),
        }[status]
        if force_overdue:
            age = (25, 40)
        referred_on = self.today - timedelta(days=rng.randint(*age))
        return _Plan(status, reason, risk, region, referred_on, force_overdue)

    # -- one case --------------------------------------------------------------------------------

    def case_rows(self, plan: _Plan, hostile_name: str | None) -> list[SQLModel]:
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
            officer=self.pick(OFFICERS),
            case_manager=self.pick(MANAGERS),
            team=self.pick(TEAMS),
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
        plan: _Plan,
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
            person = Person(
                id=self.uid(),
                case_id=case.id,
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

    def _visits(
        self, case: Case, plan: _Plan, accepted_on: date, end: date, rows: list[SQLModel]
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
        plan: _Plan,
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
        for _ in range(self.rng.choices((0, 1, 2), weights=(50, 35, 15))[0]):
            day = self.day_between(accepted_on, end)
            name = f"photo-{self.rng.randint(1000, 9999)}.jpg"
            rows.append(
                EvidenceItem(
                    id=self.uid(),
                    case_id=case.id,
                    kind="photo",
                    description="Photo of the damage taken by the victim",
                    obtained_on=day,
                    file_name=name,
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


# --- writing ----------------------------------------------------------------------------------


def _demo_cases_so_far(store: Store) -> int:
    with store.read() as session:
        count = session.exec(
            select(func.count())
            .select_from(Case)
            .where(col(Case.ref).like(f"ASB-%-{DEMO_SERIES}-%"))
        ).one()
    return int(count)


def _write_per_row(uow: UnitOfWork, rows: list[SQLModel]) -> None:
    for row in rows:
        uow.add(row, action=DEMO_ACTION)


def _write_bulk(uow: UnitOfWork, cases: list[list[SQLModel]]) -> None:
    """Insert a batch through the unit of work's bulk path: a change record per row (so the demo
    rows sync like any others) and one audit event per case."""
    uow.add_many([row for rows in cases for row in rows], action=DEMO_CASE_ACTION)


def fill_demo(
    store: Store,
    cases: int = 50,
    seed: int = 1,
    today: date | None = None,
    *,
    incidents_per_case: int | None = None,
    batch_size: int = 200,
    bulk: bool = False,
    progress: Callable[[int, int], None] | None = None,
    config: Config | None = None,
    worked_cases: int | None = None,
) -> DemoSummary:
    """Add `cases` synthetic cases; the same seed and `today` give the same data.

    `incidents_per_case` fixes the number of incidents (the benchmark uses 20); by default each
    case has 2 to 12. Filling a store that already holds demo cases adds new ones (the random
    stream is keyed on how many demo cases exist), so running twice never collides.
    `progress(done, total)` is called after each batch. See the module docstring for `bulk`.

    `worked_cases` more cases (default: 2, none in bulk mode) are taken through the council's
    whole procedure by the app's own store commands (`demo_walkthrough.walk_case`), all in one
    transaction: every kind of record the app makes, in states the app reaches. Their facts
    follow `today`; their ids and timestamps are the store's own.
    """
    if not 1 <= cases <= MAX_CASES:
        raise ValueError(f"the number of demo cases must be between 1 and {MAX_CASES:,}")
    if incidents_per_case is not None and not 0 <= incidents_per_case <= 1000:
        raise ValueError("incidents per case must be between 0 and 1,000")
    started = time.perf_counter()
    day = today or date.today()
    already = _demo_cases_so_far(store)
    rng = random.Random(f"asb-tui-demo:{seed}:{already}")
    config = config or Config(data_dir=Path("."))
    maker = _Maker(rng, day, incidents_per_case, deadline_rules(config, day))
    plans = [maker.plan(index) for index in range(cases)]
    # References follow referral dates; the sort is stable, so ties keep their drawn order.
    order = sorted(range(cases), key=lambda index: plans[index].referred_on)
    hostile = {1: HOSTILE_NAMES[0], 4: HOSTILE_NAMES[1]}  # by position in this fill
    rows_by_table: dict[str, int] = {}
    refs: list[str] = []
    overdue = 0
    done = 0
    for start in range(0, cases, batch_size):
        batch: list[list[SQLModel]] = []
        with store.write() as uow:
            for position in order[start : start + batch_size]:
                plan = plans[position]
                rows = maker.case_rows(plan, hostile.get(done + len(batch)))
                case = rows[0]
                assert isinstance(case, Case)
                case.ref = next_case_ref(uow, plan.referred_on.year, series=DEMO_SERIES)
                refs.append(case.ref)
                batch.append(rows)
                if not bulk:
                    _write_per_row(uow, rows)
            if bulk:
                _write_bulk(uow, batch)
        for rows in batch:
            for row in rows:
                table = str(row.__tablename__)
                rows_by_table[table] = rows_by_table.get(table, 0) + 1
                if (
                    isinstance(row, Visit)
                    and row.done_on is None
                    and row.due_on
                    and (row.due_on < day)
                ):
                    overdue += 1
        done += len(batch)
        if progress is not None:
            progress(done, cases)
    worked = _worked_cases(
        store, config, day, 0 if bulk else 2 if worked_cases is None else worked_cases
    )
    for table, count in worked[1].items():
        rows_by_table[table] = rows_by_table.get(table, 0) + count
    return DemoSummary(
        worked_refs=worked[0],
        cases=cases,
        rows=sum(rows_by_table.values()),
        incidents=rows_by_table.get("incident", 0),
        overdue_visits=overdue,
        refs=tuple(refs),
        rows_by_table=rows_by_table,
        seconds=time.perf_counter() - started,
    )


# The people of the worked cases: (victim, alleged perpetrator, witness).
WORKED_PEOPLE = (
    ("Siobhán Ó Súilleabháin", "Dariusz Wiśniewski", "Marcia Gayle"),
    ("Aisha Rahman", "Gary Barker", "Ciarán Byrne"),
    ("Bartłomiej Kowalski", "Jordan Reid", "Ngozi Okafor"),
)


def _worked_cases(
    store: Store, config: Config, today: date, count: int
) -> tuple[tuple[str, ...], dict[str, int]]:
    """`count` cases through the app's commands in one transaction; their refs and row counts."""
    from asb_tui.store.demo.demo_walkthrough import one_transaction, walk_case
    from asb_tui.store.queries.case_records import load_many

    if count <= 0:
        return (), {}
    with one_transaction(store) as batch:
        made = [
            walk_case(
                batch,
                config,
                today,
                victim=victim,
                perpetrator=perpetrator,
                witness=witness,
                close_and_reopen=index % 2 == 0,
            )
            for index, (victim, perpetrator, witness) in enumerate(
                WORKED_PEOPLE[index % len(WORKED_PEOPLE)] for index in range(count)
            )
        ]
    with store.read() as session:
        records = load_many(session, [case.case_id for case in made])
    counts: dict[str, int] = {"asb_case": len(records)}
    for record in records:
        for table, rows in record.tables.items():
            counts[table] = counts.get(table, 0) + len(rows)
    return tuple(case.ref for case in made), counts


def describe(summary: DemoSummary) -> str:
    """One line for the CLI and the first-run screen."""
    worked = len(summary.worked_refs)
    through = f" and {worked} taken through the whole procedure" if worked else ""
    return (
        f"Added {summary.cases:,} demo cases{through} ({summary.incidents:,} incidents, "
        f"{summary.rows:,} records; {summary.overdue_visits:,} overdue visits) "
        f"in {summary.seconds:.1f} s"
    )
