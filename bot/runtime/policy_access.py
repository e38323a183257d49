"""Can this process read the policy file? The two ways a container set-up gets it wrong,
each named with what to do:

* a **directory** where the file should be: Docker's short-form bind mount of a missing
  ``./policy.yml`` creates a root-owned directory of that name on the host;
* a file **not readable by the user regbot runs as** (uid 10001 in the image), e.g. a
  ``policy.yml`` with mode 0600 owned by the operator.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

IMAGE_UID = 10001  # the image's `regbot` user (Dockerfile)


def policy_file_problem(path: Path, *, uid: int | None = None) -> str | None:
    """One line saying what is wrong with `path` and what to do, or None if it can be read
    (or does not exist: the policy loader words that). `uid` defaults to this process's;
    for another uid only the owner and "other" permission bits are considered."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"{path}: cannot look at it ({exc.strerror or exc})"
    if stat.S_ISDIR(info.st_mode):
        return (
            f"{path} is a directory, not the policy file (a bind mount of a missing "
            "./policy.yml creates one): remove that directory on the host, "
            "`cp policy.example.yml policy.yml`, and start again"
        )
    own = uid is None or uid == os.geteuid()
    uid = os.geteuid() if uid is None else uid
    if _readable(info, uid, own):
        return None
    return (
        f"{path} is not readable by uid {uid} (mode {stat.S_IMODE(info.st_mode):04o}, "
        f"owner uid {info.st_uid}): the image runs as uid {IMAGE_UID}; make it readable, "
        "e.g. `chmod 644 policy.yml` (the policy holds no secrets)"
    )


def _readable(info: os.stat_result, uid: int, own: bool) -> bool:
    if uid == 0:
        return True
    if info.st_uid == uid:
        return bool(info.st_mode & stat.S_IRUSR)
    if own and info.st_gid in {os.getegid(), *os.getgroups()}:
        return bool(info.st_mode & stat.S_IRGRP)
    return bool(info.st_mode & stat.S_IROTH)
