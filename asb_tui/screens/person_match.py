"""Is this the same person? The likely matches for a person being added, for the officer to
confirm (enter on one) or reject (n: a different person); escape goes back to the form."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from asb_tui.domain.dates import format_uk
from asb_tui.domain.labels import label
from asb_tui.widgets.literal import literal
from asb_tui.widgets.steady_footer import SteadyFooter

if TYPE_CHECKING:
    from asb_tui.store.queries.people import MatchCandidate

#: dismissed with: an identity id (the same person), NEW_PERSON (none of these) or None (back)
NEW_PERSON = ""


def candidate_text(candidate: MatchCandidate) -> str:
    born = f", born {format_uk(candidate.date_of_birth)}" if candidate.date_of_birth else ""
    places = f", {', '.join(candidate.postcodes)}" if candidate.postcodes else ""
    cases = "; ".join(
        f"{c.ref} ({' and '.join(label(r).lower() for r in c.roles)})" for c in candidate.cases
    )
    strength = "Likely" if candidate.likely else "Possible"
    return (
        f"{candidate.name}{born}{places}\n"
        f"  {strength}: {'; '.join(candidate.reasons)}\n"
        f"  In {len(candidate.cases)} other case(s): {cases}"
    )


class PersonMatchScreen(ModalScreen[str | None]):
    BINDINGS = [
        Binding("n", "different", "A different person", id="match.different"),
        Binding("escape", "back", "Back to the form", id="match.back"),
    ]
    DEFAULT_CSS = """
    PersonMatchScreen { align: center middle; }
    PersonMatchScreen #match-box {
        width: 100; max-width: 100%; height: auto; max-height: 100%;
        border: round $warning; padding: 0 1; background: $surface;
    }
    PersonMatchScreen #match-question { text-style: bold; }
    PersonMatchScreen OptionList { height: auto; max-height: 14; }
    """

    def __init__(self, typed_name: str, candidates: list[MatchCandidate]) -> None:
        super().__init__()
        self.typed_name = typed_name
        self.candidates = candidates

    def compose(self) -> ComposeResult:
        with Vertical(id="match-box"):
            yield Static(
                literal(f"Is {self.typed_name} someone already known?"), id="match-question"
            )
            yield Static(
                literal("enter: the same person (the cases are linked) · n: a different person")
            )
            yield OptionList(
                *(Option(literal(candidate_text(c)), id=c.identity_id) for c in self.candidates),
                id="match-options",
            )
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id or None)

    def action_different(self) -> None:
        self.dismiss(NEW_PERSON)

    def action_back(self) -> None:
        self.dismiss(None)
