"""People across cases: `asb-tui person find`, `person show`, `person merge`, `person split`.

`person find TEXT [--json]`: the people whose name or address has every word typed (accents
optional), one line each: identity id, name(s), date of birth, cases with roles.
`person show ID [--json] [--today DD/MM/YYYY]`: one person (an identity id or the id of any of
their records): their cases with roles, addresses, the incidents the repeat-victim rule counts,
the repeat-victim and repeat-perpetrator flags, and what other teams hold (counts only).
`person merge KEEP OTHER --reason TEXT` and `person split RECORD --reason TEXT`: join two
identities, or take a record back out (audited, synced).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from datetime import date
from typing import Any

from asb_tui.cli_commands.common import (
    UserError,
    add_passphrase_file_option,
    json_value,
    open_from_args,
    today_from_args,
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    person = sub.add_parser("person", help="people across cases: find, show, merge, split")
    person_sub = person.add_subparsers(
        dest="person_command", metavar="find|show|merge|split", required=True
    )
    find = person_sub.add_parser("find", help="people by name or address (accents optional)")
    find.add_argument("text", metavar="TEXT", help="words of a name, an address or a postcode")
    find.add_argument("--json", action="store_true", help="print JSON for scripts")
    add_passphrase_file_option(find)
    find.set_defaults(func=cmd_person_find)
    show = person_sub.add_parser("show", help="one person across their cases")
    show.add_argument("id", metavar="ID", help="the person's identity id or a record's id")
    show.add_argument("--json", action="store_true", help="print JSON for scripts")
    show.add_argument("--today", metavar="DATE", help="count from this date (dd/mm/yyyy)")
    add_passphrase_file_option(show)
    show.set_defaults(func=cmd_person_show)
    merge = person_sub.add_parser("merge", help="two people found to be the same (audited)")
    merge.add_argument("keep", metavar="KEEP", help="the identity id to keep")
    merge.add_argument("other", metavar="OTHER", help="the identity id joined to it")
    merge.add_argument("--reason", required=True, help="why they are the same person")
    add_passphrase_file_option(merge)
    merge.set_defaults(func=cmd_person_merge)
    split = person_sub.add_parser("split", help="undo a wrong merge for one record (audited)")
    split.add_argument("record", metavar="RECORD", help="the id of the case's record to split off")
    split.add_argument("--reason", required=True, help="why they are not the same person")
    add_passphrase_file_option(split)
    split.set_defaults(func=cmd_person_split)


def _uk(day: date | None) -> str:
    from asb_tui.domain.dates import format_uk

    return format_uk(day) if day else "—"


def cmd_person_find(args: argparse.Namespace) -> int:
    from asb_tui.domain.labels import label
    from asb_tui.store.queries.people import find_people

    if not args.text.strip():
        raise UserError("person find: type a word of a name, an address or a postcode")
    store, _cfg = open_from_args(args, records=False)
    try:
        with store.read() as session:
            found = find_people(session, args.text)
    finally:
        store.close()
    if args.json:
        print(
            json.dumps([asdict(p) for p in found], ensure_ascii=False, indent=2, default=json_value)
        )
        return 0
    for p in found:
        cases = ", ".join(f"{c.ref} ({' and '.join(label(r) for r in c.roles)})" for c in p.cases)
        print(f"{p.identity_id}  {' / '.join(p.names)}  born {_uk(p.date_of_birth)}  {cases}")
    if not found:
        print("Nobody found.")
    return 0


def _profile_document(profile: Any) -> dict[str, Any]:
    doc = asdict(profile)
    doc["repeat_victim"] = doc.pop("repeat_victim")
    doc["flags"] = {
        "repeat_victim": bool(profile.repeat_victim and profile.repeat_victim.current),
        "repeat_perpetrator": bool(
            profile.repeat_perpetrator and profile.repeat_perpetrator.current
        ),
    }
    doc["incidents"] = [{"case": ref, "counted_on": day} for ref, day in profile.incidents]
    return doc


def cmd_person_show(args: argparse.Namespace) -> int:
    from asb_tui.domain.labels import label
    from asb_tui.store.core.errors import RecordNotFound
    from asb_tui.store.queries.deadline_facts import deadline_rules
    from asb_tui.store.queries.people import person_profile

    today = today_from_args(args)
    store, cfg = open_from_args(args, records=False)
    try:
        with store.read() as session:
            profile = person_profile(
                session, args.id.strip(), today=today, rules=deadline_rules(cfg, today)
            )
    finally:
        store.close()
    if profile is None:
        raise RecordNotFound(f"No person with the id {args.id.strip()} is in this store.")
    doc = _profile_document(profile)
    if args.json:
        print(json.dumps(doc, ensure_ascii=False, indent=2, default=json_value))
        return 0
    lines = [
        f"{' / '.join(profile.names)}  born {_uk(profile.date_of_birth)}",
        f"Identity       {profile.identity_id}",
    ]
    span = profile.repeat_victim
    if span and span.current:
        lines.append(f"Repeat victim  {span.count} incidents {_uk(span.first)} to {_uk(span.last)}")
    pspan = profile.repeat_perpetrator
    if pspan and pspan.current:
        lines.append(
            f"Repeat perpetrator  named in {pspan.count} cases {_uk(pspan.first)} to "
            f"{_uk(pspan.last)}"
        )
    lines += ["", "Cases"]
    for c in profile.cases:
        roles = " and ".join(label(r) for r in c.roles)
        lines.append(f"  {c.ref:<18}  {label(c.status):<10}  {roles}")
    lines += ["", "Addresses"]
    lines += [f"  {a.text}" for a in profile.addresses] or ["  none"]
    lines += ["", f"Incidents counted by the repeat rule: {len(profile.incidents)}"]
    for known in profile.known_elsewhere:
        lines.append(
            f"Also known to team {known.team}: {known.cases} case(s)"
            + (f", contact {known.contact_officer}" if known.contact_officer else "")
        )
    print("\n".join(lines))
    return 0


def cmd_person_merge(args: argparse.Namespace) -> int:
    from asb_tui.store.commands.people import merge_people
    from asb_tui.store.queries.deadline_facts import deadline_rules

    store, cfg = open_from_args(args)
    try:
        today = date.today()
        moved = merge_people(
            store,
            args.keep.strip(),
            args.other.strip(),
            reason=args.reason,
            today=today,
            rules=deadline_rules(cfg, today),
        )
    finally:
        store.close()
    print(f"Merged: {moved} record(s) joined {args.keep.strip()}.")
    return 0


def cmd_person_split(args: argparse.Namespace) -> int:
    from asb_tui.store.commands.people import split_person

    store, _cfg = open_from_args(args)
    try:
        identity = split_person(store, args.record.strip(), reason=args.reason)
    finally:
        store.close()
    print(f"Split: the record is now the person {identity}.")
    return 0
