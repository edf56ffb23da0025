"""The kernel's view of a container: which network namespace its process is in.

Read from ``/proc`` of this host, so only for a local engine; every fact read here
is frozen into the model (``Container.netns``) and judged by the core.
"""

from __future__ import annotations

import os
from dataclasses import replace

from tui.core.model import Container


def netns_inode(pid: int) -> int | None:
    """The inode of the network namespace process ``pid`` is in; None if unreadable."""
    try:
        return os.stat(f"/proc/{pid}/ns/net").st_ino
    except OSError:
        return None


def with_netns(container: Container) -> Container:
    """The container with its network namespace as the kernel tells it (when it runs)."""
    if container.pid is None:
        return container
    return replace(container, netns=netns_inode(container.pid))
