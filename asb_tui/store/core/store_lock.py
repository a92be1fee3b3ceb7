"""Which processes have the store open: an advisory lock on `asb.lock` in the data directory.

Every process that opens the store holds a shared lock for as long as it has the store open (the
app while unlocked, each command while it runs); `rekey` takes the lock exclusively, so it runs
only when nothing else has the store open, and nothing can open the store while it runs. Without
this, a rekey beside a writing process made that process fail most of its writes.

The lock is the kernel's (`flock`): it goes away with the process, so a crash never leaves the
store locked. The file holds nothing and is never deleted: deleting a lock file that another
process has open would let two processes believe they hold it. `flock` (unlike SQLite's POSIX
record locks) is not dropped when some other descriptor of the file is closed, which is why a
file of its own is used rather than the database file.
"""

from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path

from asb_tui.store.core.errors import StoreBusy, StoreError

LOCK_NAME = "asb.lock"
_MAX_NAMED = 3


class StoreLock:
    """A held lock; `release()` (or process exit) lets it go."""

    def __init__(self, fd: int, path: Path, *, exclusive: bool) -> None:
        self._fd: int | None = fd
        self.path = path
        self.exclusive = exclusive

    @classmethod
    def acquire(cls, data_dir: Path, *, exclusive: bool, purpose: str = "rekey") -> StoreLock:
        """Take the lock without waiting; StoreBusy (naming who holds it) if it is taken.

        `purpose` names the command that needs the store to itself, for the message.
        """
        path = Path(data_dir) / LOCK_NAME
        fd = _open(path)
        try:
            fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except OSError as exc:
            holders = _holders(fd)
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise StoreError(f"cannot lock {path}: {exc.strerror}") from None
            if exclusive:
                raise StoreBusy(
                    f"the store in {path.parent} is open in another asb-tui process{holders}: "
                    f"quit the app (or let the command or sync finish), then run {purpose} "
                    "again; nothing was changed"
                ) from None
            raise StoreBusy(
                f"the store in {path.parent} is being re-keyed by another asb-tui process"
                f"{holders}: try again when it has finished; nothing was changed"
            ) from None
        return cls(fd, path, exclusive=exclusive)

    def try_exclusive(self) -> bool:
        """Whether this lock is (or could now be made) exclusive: no other process has the
        store open. A failed attempt may leave the lock released (flock converts by dropping
        first), so this is for paths that end by releasing it."""
        if self._fd is None:
            return False
        if self.exclusive:
            return True
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        self.exclusive = True
        return True

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the descriptor drops the flock

    def __enter__(self) -> StoreLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _open(path: Path) -> int:
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except PermissionError:
        pass  # a read-only copy of a store can still be locked for reading
    except OSError as exc:
        if exc.errno != errno.EROFS:
            raise StoreError(f"cannot open the lock file {path}: {exc.strerror}") from None
    try:
        return os.open(path, os.O_RDONLY)
    except OSError as exc:
        raise StoreError(f"cannot open the lock file {path}: {exc.strerror}") from None


def _holders(fd: int) -> str:
    """' (pid 123: asb-tui sync)' for the processes holding the lock, from /proc/locks (Linux);
    "" where that cannot be read."""
    try:
        info = os.fstat(fd)
        with open("/proc/locks", encoding="ascii", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return ""
    device = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
    pids: list[int] = []
    for line in lines:
        fields = line.replace("->", " ").split()
        # "1: FLOCK ADVISORY READ 4242 00:2f:1234 0 EOF"
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5] == device:
            try:
                pid = int(fields[4])
            except ValueError:
                continue
            if pid not in pids:
                pids.append(pid)
    if not pids:
        return ""
    named = ", ".join(f"pid {pid}: {_describe(pid)}" for pid in pids[:_MAX_NAMED])
    return f" ({named})"


def _describe(pid: int) -> str:
    """What the process is, for a person: "asb-tui sync", "the asb-tui app"."""
    if pid == os.getpid():
        return "this process"
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "unknown"
    argv = [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]
    for i, part in enumerate(argv):
        if part == "asb_tui.cli" or Path(part).name == "asb-tui":
            rest = " ".join(argv[i + 1 :])
            return f"asb-tui {rest}"[:60] if rest else "the asb-tui app"
    return Path(argv[0]).name[:60] if argv else "unknown"
