"""The lab's own image, built offline from the host's static busybox.

No registry may be reachable, so nothing is pulled: the build context is a
Dockerfile ``FROM scratch`` and a copy of ``/bin/busybox``, which is usable in an
empty image only when it is statically linked (no ELF interpreter).
"""

from __future__ import annotations

import gzip
import io
import struct
import tarfile
from collections.abc import Mapping
from pathlib import Path

from tui.core.backend import Backend

BUSYBOX_PATHS = ("/bin/busybox", "/usr/bin/busybox", "/usr/local/bin/busybox", "/sbin/busybox")
_PT_INTERP = 3

DOCKERFILE = b"""\
# netdock's lab image: a static busybox in an empty image, built offline.
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN ["/bin/mkdir", "-p", "/tmp", "/www"]
COPY index.html /www/index.html
ENV PATH=/bin
WORKDIR /www
EXPOSE 80/tcp
CMD ["httpd", "-f", "-p", "80", "-h", "/www"]
"""
INDEX = b"<h1>netdock lab</h1>\n"


def is_static_elf(path: Path) -> bool:
    """An ELF executable with no interpreter (``ldd``: not a dynamic executable)."""
    try:
        data = path.read_bytes()
    except OSError:
        return False
    if data[:4] != b"\x7fELF" or len(data) < 64:
        return False
    wide, order = data[4] == 2, "<" if data[5] == 1 else ">"
    try:
        if wide:
            (phoff,) = struct.unpack_from(order + "Q", data, 0x20)
            phentsize, phnum = struct.unpack_from(order + "HH", data, 0x36)
        else:
            (phoff,) = struct.unpack_from(order + "I", data, 0x1C)
            phentsize, phnum = struct.unpack_from(order + "HH", data, 0x2A)
        types = [
            struct.unpack_from(order + "I", data, phoff + i * phentsize)[0] for i in range(phnum)
        ]
    except struct.error:
        return False
    return _PT_INTERP not in types


def find_static_busybox(paths: tuple[str, ...] = BUSYBOX_PATHS) -> Path | None:
    return next((Path(p) for p in paths if is_static_elf(Path(p))), None)


def build_context(busybox: Path) -> bytes:
    """The gzipped tar build context: Dockerfile, busybox, a page for httpd to serve."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for name, content, mode in (
            ("Dockerfile", DOCKERFILE, 0o644),
            ("busybox", busybox.read_bytes(), 0o755),
            ("index.html", INDEX, 0o644),
        ):
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(content), mode
            tar.addfile(info, io.BytesIO(content))
    return gzip.compress(raw.getvalue(), compresslevel=1)


async def build_lab_image(
    backend: Backend, busybox: Path, tag: str, labels: Mapping[str, str]
) -> None:
    await backend.build_image(build_context(busybox), tag, labels)
