"""Read commands: `asb-tui deadlines`, `asb-tui case list` and `asb-tui case show REF`.

`deadlines [--all] [--json]`: what is overdue and due, soonest first. One line each: case
reference, what, due date (dd/mm/yyyy), state. `--all` adds deadlines that are not due yet.

`case list [--open] [--json]`: every case, newest referral first. `case show REF [--json]`:
everything the case detail screen shows (read by the whole-case loader) with the facts the app
derives: deadlines and their states, risk, flags, referrals and the ASB Case Review status.
`--today DD/MM/YYYY` counts from that date. `--json` prints objects for scripts (dates ISO).
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import TYPE_CHECKING, Any

from asb_tui.cli_commands.common import (
    add_passphrase_file_option,
    json_value,
    open_from_args,
    today_from_args,
)
from asb_tui.store.core.errors import CaseNotFound

if TYPE_CHECKING:
    from asb_tui.store.queries.case_queries import CaseDetail, Entry
    from asb_tui.store.queries.case_review_summary import CaseReviewSummary

DUE_STATES = frozenset({"overdue", "due-today", "due-soon"})


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("deadlines", help="what is overdue and due, soonest first")
    parser.add_argument("--all", action="store_true", help="include deadlines not due yet")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.add_argument(
        "--today", metavar="DATE", help="count from this date (dd/mm/yyyy) instead of today"
    )
    add_passphrase_file_option(parser)
    parser.set_defaults(func=cmd_deadlines)

    case = sub.add_parser("case", help="read cases: list them or show one in full")
    case_sub = case.add_subparsers(dest="case_command", metavar="list|show|link", required=True)
    listing = case_sub.add_parser("list", help="every case, newest referral first")
    listing.add_argument("--open", action="store_true", help="open cases only")
    listing.add_argument("--json", action="store_true", help="print JSON for scripts")
    add_passphrase_file_option(listing)
    listing.set_defaults(func=cmd_case_list)
    show = case_sub.add_parser("show", help="one case in full, with its deadlines")
    show.add_argument("ref", metavar="REF", help="the case reference, e.g. ASB-2026-00042")
    show.add_argument("--json", action="store_true", help="print JSON for scripts")
    show.add_argument(
        "--today", metavar="DATE", help="count from this date (dd/mm/yyyy) instead of today"
    )
    add_passphrase_file_option(show)
    show.set_defaults(func=cmd_case_show)
    link = case_sub.add_parser("link", help="link a case to another, with the reason (audited)")
    link.add_argument("ref", metavar="REF", help="the case to link from")
    link.add_argument("other", metavar="OTHER", help="the case it is linked to")
    link.add_argument("--reason", required=True, help="why the cases are linked")
    add_passphrase_file_option(link)
    link.set_defaults(func=cmd_case_link)


def cmd_case_link(args: argparse.Namespace) -> int:
    from asb_tui.store.commands.people import link_cases_by_ref
    from asb_tui.store.queries.case_queries import find_case

    store, _cfg = open_from_args(args)
    try:
        with store.read() as session:
            case_id = find_case(session, args.ref)
        if case_id is None:
            raise CaseNotFound(args.ref.strip())
        other = link_cases_by_ref(store, case_id, args.other, reason=args.reason, on=date.today())
    finally:
        store.close()
    print(f"Linked {args.ref.strip().upper()} to {other}.")
    return 0


def cmd_deadlines(args: argparse.Namespace) -> int:
    from asb_tui.domain.case_deadlines import deadlines_for_cases
    from asb_tui.domain.dates import format_uk
    from asb_tui.domain.labels import label
    from asb_tui.store.queries.deadline_facts import FactsFilter, deadline_rules, load_case_facts

    today = today_from_args(args)
    store, cfg = open_from_args(args, records=False)
    try:
        with store.read() as session:
            facts = load_case_facts(session, FactsFilter(open_only=False))
    finally:
        store.close()
    found = deadlines_for_cases(facts, today, deadline_rules(cfg, today))
    if not args.all:
        found = [d for d in found if d.state.value in DUE_STATES]
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "case_ref": d.case_ref,
                        "case_id": d.case_id,
                        "kind": d.kind.value,
                        "what": d.title,
                        "due_on": d.due_on.isoformat(),
                        "due": format_uk(d.due_on),
                        "due_at": d.due_at.isoformat() if d.due_at else None,
                        "state": d.state.value,
                    }
                    for d in found
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    if not found:
        print("Nothing is due." if not args.all else "No deadlines.")
        return 0
    ref_width = max(len(d.case_ref) for d in found)
    what_width = min(max(len(d.title) for d in found), 60)
    for d in found:
        what = d.title if len(d.title) <= what_width else d.title[: what_width - 1] + "…"
        print(
            f"{d.case_ref:<{ref_width}}  {what:<{what_width}}  "
            f"{format_uk(d.due_on)}{d.due_at.strftime(' %H:%M') if d.due_at else ''}  "
            f"{label(d.state)}"
        )
    return 0


MAX_LISTED = 1_000_000


def cmd_case_list(args: argparse.Namespace) -> int:
    from asb_tui.domain.dates import format_uk
    from asb_tui.domain.labels import label
    from asb_tui.store.queries.case_queries import CaseFilter, list_cases

    store, _cfg = open_from_args(args, records=False)
    try:
        with store.read() as session:
            rows = list_cases(
                session, CaseFilter(status="open" if args.open else None), limit=MAX_LISTED
            )
    finally:
        store.close()
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "ref": r.ref,
                        "case_id": r.case_id,
                        "status": r.status,
                        "risk_level": r.risk_level,
                        "category": r.category,
                        "officer": r.officer,
                        "referred_on": r.referred_on.isoformat(),
                        "summary": r.summary,
                    }
                    for r in rows
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    if not rows:
        print("No cases.")
        return 0
    ref_width = max(len(r.ref) for r in rows)
    for r in rows:
        summary = _one_line(r.summary, 50)
        risk = label(r.risk_level, "not assessed")
        print(
            f"{r.ref:<{ref_width}}  {format_uk(r.referred_on)}  {label(r.status):<8}  "
            f"{risk:<12}  {summary}"
        )
    return 0


def _one_line(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def cmd_case_show(args: argparse.Namespace) -> int:
    from asb_tui.store.queries.case_queries import case_detail, find_case
    from asb_tui.store.queries.case_review_summary import case_review_summary
    from asb_tui.store.queries.deadline_facts import deadline_rules

    today = today_from_args(args)
    store, cfg = open_from_args(args, records=False)
    try:
        with store.read() as session:
            case_id = find_case(session, args.ref)
            if case_id is None:
                raise CaseNotFound(args.ref.strip())
            rules = deadline_rules(cfg, today)
            detail = case_detail(session, case_id, today=today, rules=rules)
    finally:
        store.close()
    assert detail is not None and detail.records is not None
    review = case_review_summary(detail.records, today, rules)
    document = _show_document(detail, review, today)
    if args.json:
        print(json.dumps(document, ensure_ascii=False, indent=2, default=json_value))
    else:
        print(_show_text(document), end="")
    return 0


def _show_document(detail: CaseDetail, review: CaseReviewSummary, today: date) -> dict[str, Any]:
    """The case as plain data: what the case detail shows, and the derived facts."""
    from dataclasses import asdict

    from asb_tui.domain.types import ReferralKind
    from asb_tui.store.queries.case_review_summary import summary_document

    s = detail.summary
    records = detail.records
    assert records is not None
    referrals = sorted(records.rows("referral"), key=lambda r: (r.referred_on, r.id))
    return {
        "ref": s.ref,
        "case_id": s.id,
        "today": today,
        "status": s.status,
        "category": s.category,
        "region": s.region,
        "summary": s.summary,
        "location": s.location,
        "referral_source": s.referral_source,
        "referred_on": s.referred_on,
        "accepted_on": s.accepted_on,
        "closed_on": s.closed_on,
        "closure_reason": s.closure_reason,
        "reopen_count": s.reopen_count,
        "officer": s.officer,
        "case_manager": s.case_manager,
        "team": s.team,
        "risk_level": s.risk_level,
        "flags": {
            "high_risk": s.risk_level == "high",
            "repeat_victim": s.repeat_victim or detail.repeat.repeat_victim,
            "repeat_perpetrator": detail.repeat.repeat_perpetrator,
            "counter_allegation": bool(records.case.counter_allegation),
            "vso_referred": any(r.kind == ReferralKind.VSO.value for r in referrals),
            "vvc_referred": any(r.kind == ReferralKind.VVC.value for r in referrals),
        },
        "case_review": {
            "qualifying_complaints": len(review.qualifying),
            "threshold_met": review.threshold_met,
            "tell_victim": review.tell_victim_due is not None,
            **summary_document(review),
        },
        "deadlines": [
            {
                "kind": d.kind.value,
                "what": d.title,
                "due_on": d.due_on,
                "due_at": d.due_at,
                "state": d.state.value,
                "done_on": d.done_on,
            }
            for d in detail.deadlines
        ],
        "referrals": [
            {
                "kind": r.kind,
                "referred_on": r.referred_on,
                "reason": r.reason,
                "meeting_on": r.meeting_on,
                "status": r.status,
            }
            for r in referrals
        ],
        "repeat": list(detail.repeat.lines),
        "people": [asdict(p) for p in detail.people],
        "places": list(detail.places),
        "linked_cases": [asdict(c) for c in detail.linked],
        "known_elsewhere": list(detail.known_elsewhere),
        "actions": [asdict(a) for a in detail.actions],
        "incidents": [_entry(e) for e in detail.incidents],
        "visits_and_contacts": [_entry(e) for e in detail.visits_and_contacts],
        "risk": [_entry(e) for e in detail.risk],
        "legal": [_entry(e) for e in detail.legal],
        "legal_remedies": _remedies(records, today),
        "notes": [_entry(e) for e in detail.notes],
        "timeline": [_entry(e) for e in detail.timeline],
    }


def _remedies(records: Any, today: date) -> list[dict[str, Any]]:
    """Each remedy: power, respondent, stages with dates (and times), status, next deadline."""
    from asb_tui.store.queries.legal_remedies import remedy_views_from

    def deadline(view: Any) -> dict[str, Any] | None:
        clock = view.next_deadline
        if clock is None:
            return None
        return {"what": clock.what, "due_on": clock.due_on, "due_at": clock.due_at}

    return [
        {
            "id": v.id,
            "power": v.kind,
            "name": v.power,
            "section": v.section,
            "respondent": v.respondent_id,
            "respondent_age": v.respondent_age,
            "status": v.status,
            "in_force": v.in_force,
            "served_at": v.served_at,
            "started_on": v.started_on,
            "ends_on": v.ends_on,
            "ends_at": v.ends_at,
            "review_on": v.review_on,
            "comply_by": v.comply_by,
            "consulted_on": v.consulted_on,
            "convicted_on": v.convicted_on,
            "power_of_arrest": v.power_of_arrest,
            "grounds": v.grounds,
            "grounds_met_on": v.grounds_met_on,
            "stages": [
                {"stage": s.stage, "on": s.on, "at": s.at, "to_status": s.to_status}
                for s in v.stages
            ],
            "next_deadline": deadline(v),
            "legal_next": list(v.next_statuses),
        }
        for v in remedy_views_from(records, today)
    ]


def _entry(entry: Entry) -> dict[str, Any]:
    return {"date": entry.day, "what": entry.what, "detail": entry.detail}


def _show_text(doc: dict[str, Any]) -> str:
    """The same facts for a person: labelled lines, then each list under its heading."""
    from asb_tui.domain.dates import format_uk
    from asb_tui.domain.labels import label

    def uk(day: object) -> str:
        return format_uk(day) if isinstance(day, date) else "—"

    lines = [
        f"{doc['ref']}  {label(doc['status'])}  {label(doc['risk_level'], 'not assessed')}"
        f" risk  {label(doc['category'])}",
        f"Summary        {_one_line(doc['summary'], 200) or '—'}",
        f"Location       {doc['location'] or '—'}",
        f"Referred       {uk(doc['referred_on'])}"
        + (f" by {doc['referral_source']}" if doc["referral_source"] else ""),
        f"Accepted       {uk(doc['accepted_on'])}",
    ]
    if doc["closed_on"]:
        lines.append(f"Closed         {uk(doc['closed_on'])} ({label(doc['closure_reason'])})")
    if doc["reopen_count"]:
        lines.append(f"Reopened       {doc['reopen_count']} time(s)")
    lines.append(f"Officer        {doc['officer'] or '—'}")
    flags = [name.replace("_", " ") for name, on in doc["flags"].items() if on]
    lines.append(f"Flags          {', '.join(flags) or 'none'}")
    lines.extend(f"               {line}" for line in doc["repeat"])
    review = doc["case_review"]
    lines.append(
        f"Case Review    {review['qualifying_complaints']} qualifying complaint(s); "
        + ("threshold met" if review["threshold_met"] else "threshold not met")
        + ("; tell the victim of their right" if review["tell_victim"] else "")
        + f" ({review['status']})"
    )
    lines.append("")
    lines.append("Deadlines")
    for d in doc["deadlines"]:
        lines.append(f"  {uk(d['due_on'])}  {label(d['state']):<10}  {d['what']}")
    if not doc["deadlines"]:
        lines.append("  none")
    lines.append("")
    lines.append("People")
    for p in doc["people"]:
        where = "; ".join(p["addresses"]) or p["address"]
        extra = "; ".join(x for x in (where, p["phone"], p["vulnerabilities"]) if x)
        lines.append(f"  {label(p['role']):<20}  {p['name']}" + (f"  ({extra})" if extra else ""))
    for place in doc["places"]:
        lines.append(f"  {'Place':<20}  {place}")
    lines.append("")
    lines.append("Linked cases")
    for c in doc["linked_cases"]:
        lines.append(f"  {c['ref']:<18}  {label(c['status'], '—'):<10}  {c['why']}")
    if not doc["linked_cases"]:
        lines.append("  none")
    for known in doc["known_elsewhere"]:
        lines.append(f"  Known to another team: {known}")
    lines.append("")
    lines.append("Actions")
    for a in doc["actions"]:
        done = f"done {uk(a['done_on'])}" if a["done_on"] else f"due {uk(a['due_on'])}"
        lines.append(f"  {done:<16}  {a['title']}")
    for heading, key in (
        ("Incidents", "incidents"),
        ("Visits and contacts", "visits_and_contacts"),
        ("Risk and referrals", "risk"),
        ("Legal", "legal"),
        ("Notes", "notes"),
    ):
        lines.append("")
        lines.append(heading)
        for e in doc[key]:
            lines.append(
                f"  {uk(e['date'])}  {e['what']}" + (f": {e['detail']}" if e["detail"] else "")
            )
        if not doc[key]:
            lines.append("  none")
    return "\n".join(lines) + "\n"
