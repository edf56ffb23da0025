"""Docker's ``-p`` syntax, parsed by the docker SDK's own parser, into plain data.

The core validates port requests but must not import the SDK (it is not headless,
and it costs a fifth of a second of start-up), so the SDK is asked here, lazily,
and its answer handed over as ``tui.core.launch.PortSpec``.
"""

from __future__ import annotations

import re

from tui.core.launch import PortRequest, PortSpec

_SEPARATORS = re.compile(r"[\s,]+")
_RANGE = re.compile(r"(\d+)-(\d+)")


def split_specs(text: str) -> tuple[str, ...]:
    """The specs typed in one field: separated by commas or spaces."""
    return tuple(part for part in _SEPARATORS.split(text.strip()) if part)


def _number_and_proto(internal: str) -> tuple[int, str]:
    number, _, proto = internal.partition("/")
    return int(number), proto or "tcp"


def _host_span(external: str | None) -> tuple[int | None, int | None]:
    """``"8080"`` -> (8080, None); ``"8080-8090"`` (the engine picks) -> (8080, 8090)."""
    if not external:
        return None, None
    first, _, last = external.partition("-")
    return int(first), (int(last) if last else None)


def parse_port_spec(text: str) -> PortSpec:
    """One ``-p`` spec as the docker SDK reads it (``split_port``), or its error."""
    from docker.utils.ports import split_port  # lazy: the SDK is slow to import

    try:
        internal, external = split_port(text)
    except ValueError as exc:
        return PortSpec(text, error=str(exc))
    requests = []
    for i, inner in enumerate(internal):
        port, proto = _number_and_proto(inner)
        host_ip, outer = "", None
        if external is not None:
            item = external[i]
            if isinstance(item, tuple):
                host_ip, outer = item[0], item[1]
            else:
                outer = item
        first, last = _host_span(outer)
        requests.append(PortRequest(port, proto, host_ip, first, last))
    if not requests:
        # The SDK reads a backwards container range (80-70) as no port at all, silently.
        return PortSpec(text, error=_names_no_port(text))
    return PortSpec(text, tuple(requests))


def _names_no_port(text: str) -> str:
    for low, high in _RANGE.findall(text):
        if int(low) > int(high):
            return f"the range {low}-{high} runs backwards (write {high}-{low}): no port to publish"
    return "no port to publish"


def parse_port_specs(text: str) -> tuple[PortSpec, ...]:
    """Every spec typed in one field."""
    return tuple(parse_port_spec(spec) for spec in split_specs(text))
