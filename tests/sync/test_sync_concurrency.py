"""Several devices push at once while another pulls in small pages: the puller must end with every
change exactly once (the stream is numbered in commit order, so `seq > cursor` never skips)."""

from __future__ import annotations

import threading
from pathlib import Path

from conftest import Device, ServerProcess, make_device, unique_team

PUSHERS = 4
ROUNDS = 6
ROWS_PER_ROUND = 10


def test_concurrent_pushers_and_a_puller_miss_nothing(
    server: ServerProcess, tmp_path: Path
) -> None:
    team = unique_team()
    pushers = [make_device(server, tmp_path, team=team, batch_size=7) for _ in range(PUSHERS)]
    puller = make_device(server, tmp_path, team=team, page_size=9)
    errors: list[BaseException] = []
    done = threading.Event()

    def push_rounds(device: Device) -> None:
        try:
            case_id = device.replica.new_case(team)
            for round_ in range(ROUNDS):
                for n in range(ROWS_PER_ROUND):
                    device.replica.insert(
                        "incident", {"description": f"{n} {round_}"}, case_id=case_id
                    )
                device.sync()
        except BaseException as exc:
            errors.append(exc)

    def pull_loop() -> None:
        try:
            while not done.is_set():
                puller.sync()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=push_rounds, args=(d,)) for d in pushers]
    reader = threading.Thread(target=pull_loop)
    reader.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    reader.join()
    assert not errors, errors
    puller.sync()

    expected: dict[tuple[str, str], dict[str, object]] = {}
    for device in pushers:
        assert device.replica.pending_count() == 0
        expected.update(device.replica.snapshot())
    assert puller.replica.snapshot() == expected
    log = puller.replica.pull_log()  # plain INSERTs: a change delivered twice would have failed
    assert len(log) == PUSHERS * (1 + ROUNDS * ROWS_PER_ROUND)
    assert [s for s, _t, _r in log] == sorted(s for s, _t, _r in log)
