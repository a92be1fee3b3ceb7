"""Share a case, or part of it, with a partner agency.

The consent status is shown first (loaded before anything can be saved); then the agency, what is
shared, the legal basis and the date. A share on the basis of consent without consent on record is
refused by the store with the reason, shown here; earlier shares are listed below the form.

ctrl+t withdraws the case's share with an agency (asks which agency and why; audited): the
agency's laptops drop the case at their next sync after this laptop's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Checkbox, Input, Label, Select, Static

from asb_tui.domain.dates import format_uk
from asb_tui.screens.base import NO_SELECTION, FormScreen, SavedThenClose, WorkDone
from asb_tui.store.commands.sharing import ConsentStatus, ShareRow
from asb_tui.widgets.date_field import DateField
from asb_tui.widgets.literal import literal

if TYPE_CHECKING:
    from asb_tui.store.core.store import Store


class ConsentRead(WorkDone[tuple[ConsentStatus, list[ShareRow]]]):
    """The case's consent to share, and its shares so far."""


class Withdrawn(WorkDone[list[str]]):
    """Shares are withdrawn: the agencies as recorded."""


class ShareCaseScreen(FormScreen):
    title_text = "Share with an agency"
    BINDINGS = [
        Binding("ctrl+t", "withdraw", "Withdraw a share", id="share.withdraw", priority=True),
    ]
    DEFAULT_CSS = """
    ShareCaseScreen #consent-status { padding: 0 1; height: auto; border: round $warning; }
    ShareCaseScreen #consent-status.-given { border: round $success; }
    ShareCaseScreen #previous-shares { height: auto; color: $text-muted; padding: 1 0 0 0; }
    """

    def __init__(self, case_id: str) -> None:
        super().__init__(case_id)
        self.consent: ConsentStatus | None = None
        self.shared_with: list[str] = []

    def fixed_fields(self) -> ComposeResult:
        yield Static("Checking consent…", id="consent-status")

    def form_fields(self) -> ComposeResult:
        from asb_tui.store.commands.sharing import LEGAL_BASIS_LABELS, SHAREABLE_PARTS

        agencies = list(getattr(self.asb.config, "agencies", ()))
        today = self.today()
        yield Label("Agency", classes="field-label")
        yield Select([(a, a) for a in agencies], id="agency", prompt="Choose an agency")
        yield Input(placeholder="…or type another agency", id="agency-other")
        yield Label("What is shared", classes="field-label")
        yield Select(
            [(part, part) for part in SHAREABLE_PARTS], id="what", prompt="Choose what is shared"
        )
        yield Input(placeholder="details (e.g. incidents since 01/10/2026)", id="what-detail")
        yield Label("Legal basis", classes="field-label")
        yield Select(
            [(label, value) for value, label in LEGAL_BASIS_LABELS.items()],
            id="basis",
            prompt="Choose the legal basis",
        )
        yield Label("Date shared", classes="field-label")
        yield DateField(today, today=today, required=True, id="shared-on")
        yield Checkbox("Include the evidence files (the agency's laptops receive them)",
                       id="includes-files")  # fmt: skip
        yield Static("", id="previous-shares")

    def on_mount(self) -> None:
        self._load()

    def _load(self) -> None:
        from asb_tui.store.commands.sharing import consent_status, shares_for_case

        case_id, today = self.case_id or "", self.today()
        self.run_work(
            lambda store: (consent_status(store, case_id, today), shares_for_case(store, case_id)),
            ConsentRead,
            group="consent",
            latest_only=True,
        )

    @on(ConsentRead)
    def _show(self, message: ConsentRead) -> None:
        from asb_tui.store.commands.sharing import LEGAL_BASIS_LABELS

        status, shares = message.result
        self.consent = status
        self.shared_with = sorted({s.agency for s in shares})
        box = self.query_one("#consent-status", Static)
        heading = "Consent: " + ("given" if status.allows_sharing else "NOT on record")
        box.update(literal(f"{heading}. {status.description}"))
        box.set_class(status.allows_sharing, "-given")
        if shares:
            lines = ["Shared before:"] + [
                f"  {format_uk(s.shared_on)}  {s.agency}: {s.what} "
                f"({LEGAL_BASIS_LABELS.get(s.legal_basis, s.legal_basis)})"
                for s in shares
            ]
        else:
            lines = ["Not shared with any agency yet."]
        self.query_one("#previous-shares", Static).update(literal("\n".join(lines)))
        self.query_one("#agency", Select).focus()

    def action_withdraw(self) -> None:
        from asb_tui.widgets.prompt import FormPrompt, PromptField

        if self.consent is None:
            self.show_error("Wait for the shares to load.")
            return
        if not self.shared_with:
            self.show_error(
                "This case is not shared with any agency: there is nothing to withdraw."
            )
            return
        only = self.shared_with[0] if len(self.shared_with) == 1 else ""
        fields = [
            PromptField("withdraw-agency", "Agency", only, required=True,
                        placeholder=", ".join(self.shared_with)),
            PromptField("withdraw-reason", "Why the share is withdrawn", required=True),
        ]  # fmt: skip
        self.app.push_screen(FormPrompt("Withdraw a share", fields), self._withdraw)

    def _withdraw(self, values: dict[str, Any] | None) -> None:
        from asb_tui.store.commands.sharing import withdraw_agency_shares

        if not values:
            return
        case_id = self.case_id or ""
        agency, reason = values["withdraw-agency"], values["withdraw-reason"]
        self.clear_error()
        self.run_work(
            lambda store: withdraw_agency_shares(store, case_id, agency, reason=reason),
            Withdrawn,
            group="withdraw",
        )

    @on(Withdrawn)
    def _withdrawn(self, message: Withdrawn) -> None:
        agencies = ", ".join(message.result)
        self.notify(f"Share with {agencies} withdrawn; it goes at the next sync.")
        self._load()

    def _choice(self, select_id: str, text_id: str, joiner: str) -> str:
        chosen = self.query_one(f"#{select_id}", Select).value
        typed = self.query_one(f"#{text_id}", Input).value.strip()
        parts = [str(chosen)] if chosen is not NO_SELECTION and chosen is not None else []
        if typed:
            parts.append(typed)
        return joiner.join(parts)

    def save(self) -> None:
        from asb_tui.store.commands.sharing import share_case

        if self.consent is None:
            self.show_error("Wait for the consent status to load before sharing.")
            return
        basis = self.query_one("#basis", Select).value
        if basis is NO_SELECTION or basis is None:
            self.show_error("Choose the legal basis for the share.")
            return
        date_field = self.query_one("#shared-on", DateField)
        shared_on = date_field.parse()
        if shared_on is None:
            self.show_error(date_field.error or "Give the date of the share.")
            return
        chosen_agency = self.query_one("#agency", Select).value
        agency = self.query_one("#agency-other", Input).value.strip() or (
            "" if chosen_agency is NO_SELECTION or chosen_agency is None else str(chosen_agency)
        )
        what = self._choice("what", "what-detail", ": ")
        case_id, today = self.case_id or "", self.today()
        includes_files = self.query_one("#includes-files", Checkbox).value

        def share(store: Store) -> str:
            record = share_case(
                store,
                case_id,
                agency=agency,
                what=what,
                legal_basis=str(basis),
                shared_on=shared_on,
                today=today,
                includes_files=includes_files,
            )
            files = " with its evidence files" if record.includes_files else ""
            return f"Shared with {record.agency}{files}."

        self.save_work(share, SavedThenClose)
