"""The field-work screens and the case-detail keys that open them, for mechanical wiring:
(key, binding id, description, "module:Class"). Each class takes `case_id` as its first
argument."""

from __future__ import annotations

FIELDWORK_SCREENS: list[tuple[str, str, str, str]] = [
    ("d", "diary", "Diary sheet entry", "asb_tui.screens.diary_sheet:DiarySheetScreen"),
    ("v", "home_visit", "Home visit", "asb_tui.screens.home_visit:HomeVisitScreen"),
    ("h", "house_to_house", "House-to-house", "asb_tui.screens.house_to_house:HouseToHouseScreen"),
    ("c", "agency_contact", "Agency contact", "asb_tui.screens.agency_contact:AgencyContactScreen"),
    ("u", "victim_update", "Victim update", "asb_tui.screens.victim_update:VictimUpdateScreen"),
    (
        "p",
        "perpetrator_visit",
        "Perpetrator visit",
        "asb_tui.screens.perpetrator_visit:PerpetratorVisitScreen",
    ),
    ("g", "legal_remedy", "Legal remedy", "asb_tui.screens.legal_remedy:LegalRemedyScreen"),
    (
        "f",
        "safeguarding",
        "Safeguarding concern",
        "asb_tui.screens.safeguarding:SafeguardingScreen",
    ),
    ("T", "case_review", "ASB Case Review", "asb_tui.screens.case_review:CaseReviewScreen"),
    ("l", "letters", "Letters and diary sheets", "asb_tui.screens.letters:LettersScreen"),
]
