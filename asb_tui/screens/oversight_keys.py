"""How the app wires the oversight screens in: (key, binding id, description, "module:Class",
scope). Scope "app": opened from the dashboard with no argument; scope "case": opened from case
detail with the case id as the only argument."""

from __future__ import annotations

OVERSIGHT_SCREENS: list[tuple[str, str, str, str, str]] = [
    (
        "R",
        "oversight.review-queue",
        "Review queue",
        "asb_tui.screens.review_queue:ReviewQueueScreen",
        "app",
    ),
    ("V", "oversight.vvc", "VVC meetings", "asb_tui.screens.vvc:VvcScreen", "app"),
    ("P", "oversight.reports", "Reports", "asb_tui.screens.reports:ReportsScreen", "app"),
    (
        "s",
        "oversight.share",
        "Share with an agency",
        "asb_tui.screens.share_case:ShareCaseScreen",
        "case",
    ),
    (
        "m",
        "oversight.record-review",
        "Record a manager review",
        "asb_tui.screens.record_review:RecordReviewScreen",
        "case",
    ),
]
