"""What the demo draws before it writes anything: the vocabulary of a UK town, and one plan per
case (status, closure reason, risk, region, referral date), all from one seeded Random, so the
same seed and `today` give the same cases whichever way they are written."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from asb_tui.config import Config
from asb_tui.domain.case_deadlines import DeadlineRules
from asb_tui.domain.risk import load_questionnaire
from asb_tui.domain.types import CaseStatus, Category, ClosureReason, Region, RiskLevel
from asb_tui.store.queries.deadline_facts import deadline_rules

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
class Plan:
    """What kind of case to generate; drawn first so references follow referral dates."""

    status: CaseStatus
    reason: ClosureReason | None
    risk: RiskLevel | None
    region: Region
    referred_on: date
    force_overdue: bool = False


# The first cases cover every status, closure reason and risk level, so even a small demo shows
# the whole process; later ones are drawn at random.
FIXED_PLANS: tuple[tuple[CaseStatus, ClosureReason | None, RiskLevel | None, bool], ...] = (
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


class Draw:
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

    def plan(self, index: int) -> Plan:
        rng = self.rng
        force_overdue = False
        if index < len(FIXED_PLANS):
            status, reason, risk, force_overdue = FIXED_PLANS[index]
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
        return Plan(status, reason, risk, region, referred_on, force_overdue)

    # -- one case --------------------------------------------------------------------------------
