"""No core dumps: a process that holds the data key or the passphrase must never write its memory
to disk, whatever the shell's `ulimit -c` allows.

A core of the unlocked app holds the data key, the passphrase and every record it had read, in
clear, in a file anyone who finds the laptop can read. So the app and every command set their own
core limit to 0 (soft and hard, so nothing later in the process can raise it) and, on Linux, mark
themselves undumpable (`prctl(PR_SET_DUMPABLE, 0)`): that also stops a core handler that the
kernel pipes dumps to (`core_pattern = |...`, which ignores the core limit) and stops other
processes of the same user from attaching a debugger or reading `/proc/PID/mem`.
"""

from __future__ import annotations

import ctypes
import sys

PR_SET_DUMPABLE = 4
PR_GET_DUMPABLE = 3


def _libc() -> ctypes.CDLL:
    """The C library's symbols as the interpreter already has them loaded (dlopen(NULL)): no
    `ctypes.util.find_library`, which runs `ldconfig -p` in a subprocess (~20 ms of every
    command's start) and imports subprocess and shutil for it."""
    return ctypes.CDLL(None, use_errno=True)


def forbid_core_dumps() -> None:
    """Set the core limit to 0 and, on Linux, make the process undumpable. Idempotent."""
    try:
        import resource
    except ImportError:  # not on a POSIX system: nothing to lower
        return
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if sys.platform.startswith("linux"):
        libc = _libc()
        if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, "prctl(PR_SET_DUMPABLE, 0) failed")


def is_dumpable() -> bool:
    """Whether this process could still write a core (Linux: the dumpable flag; elsewhere the
    core limit)."""
    import resource

    if resource.getrlimit(resource.RLIMIT_CORE) != (0, 0):
        return True
    if sys.platform.startswith("linux"):
        libc = _libc()
        return bool(libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0))
    return False
