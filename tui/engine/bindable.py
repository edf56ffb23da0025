"""Whether this host can bind an address: asked of the kernel, not of a list of interfaces."""

from __future__ import annotations

import ipaddress
import socket


def can_bind(address: str) -> bool:
    """True when a socket on this host may bind ``address`` (on any free port).

    The kernel's answer is the one the engine gets: every address of 127.0.0.0/8 is
    local on Linux though ``lo`` lists only 127.0.0.1, and ``ip_nonlocal_bind`` may allow
    more; a list of interface addresses knows neither.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((str(ip), 0))
        except OSError:
            return False
    return True
