"""A TLS handshake with an engine that failed, said in a person's words.

The HTTP client reports "no engine answers" or OpenSSL's codes; what the user needs
is which certificate is wrong and why: the server's (not signed by the CA we were
given, made for another name, expired) or ours (the engine refused it, or wanted one).

Several requests at once to an engine that refuses our certificate fail in several
ways (the alert, a closed connection, a connector closed by the first failure), and
the first to fail may not carry the alert: ``handshake`` asks once more, alone (not
after a timeout: a link that stopped answering is told at once, as the heartbeat bounds).
"""

from __future__ import annotations

import asyncio
import ssl

from tui.engine.endpoint import TLSFiles

# OpenSSL's verify codes (x509_vfy.h): no CA we were given signed the server's certificate.
_UNTRUSTED = {
    2,  # unable to get issuer certificate
    18,  # self-signed certificate
    19,  # self-signed certificate in chain
    20,  # unable to get local issuer certificate
    21,  # unable to verify the first certificate
}
_OTHER_NAME = {62, 64}  # hostname mismatch, IP address mismatch
_EXPIRED = 10
_NOT_YET_VALID = 9
# The alerts an engine sends when it refuses the client's certificate (or wants one).
_CLIENT_REFUSED = (
    "BAD_CERTIFICATE",
    "UNKNOWN_CA",
    "CERTIFICATE_REQUIRED",
    "CERTIFICATE_UNKNOWN",
    "UNSUPPORTED_CERTIFICATE",
    "CERTIFICATE_EXPIRED",
)
_NOT_TLS = ("WRONG_VERSION_NUMBER", "HTTP_REQUEST", "RECORD_LAYER_FAILURE")
PROBE_SECONDS = 5.0


async def handshake(host: str, port: int, context: ssl.SSLContext) -> BaseException | None:
    """One TLS connection and request to the engine: what failed, else None."""
    try:
        async with asyncio.timeout(PROBE_SECONDS):
            reader, writer = await asyncio.open_connection(host, port, ssl=context)
            try:
                # TLS 1.3: the engine's verdict on our certificate comes after the handshake.
                writer.write(b"GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n")
                await writer.drain()
                await reader.read(1)
            finally:
                writer.close()
    except (OSError, TimeoutError) as exc:  # an ssl.SSLError is an OSError
        return exc
    return None


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and what it wraps (our HTTP client's ConnectError holds the handshake's
    ssl.SSLError as its cause; a failure may be told again, with or without ``from``)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def timed_out(exc: BaseException) -> bool:
    """A wait that ran out: a link that does not answer, not a handshake refused."""
    return any(isinstance(e, TimeoutError) for e in _chain(exc))


def _ssl_error(exc: BaseException) -> ssl.SSLError | None:
    for current in _chain(exc):
        if isinstance(current, ssl.SSLError):
            return current
    return None


def tls_failure(exc: BaseException, tls: TLSFiles, address: str) -> str | None:
    """What went wrong in the handshake with the engine at ``address``, or None when
    ``exc`` is not a TLS failure."""
    error = _ssl_error(exc)
    if error is None:
        return None
    if isinstance(error, ssl.SSLCertVerificationError):
        code = error.verify_code
        if code in _UNTRUSTED:
            signer = f"the CA in {tls.ca}" if tls.ca else "a CA this system trusts"
            return f"the server's certificate is not signed by {signer}"
        if code in _OTHER_NAME:
            return f"the server's certificate is not for {address} (it names another host)"
        if code == _EXPIRED:
            return "the server's certificate has expired"
        if code == _NOT_YET_VALID:
            return "the server's certificate is not valid yet (is this host's clock right?)"
        return f"the server's certificate was refused: {error.verify_message}"
    reason = str(error.reason or "")
    if any(alert in reason for alert in _CLIENT_REFUSED):
        if tls.cert is None:
            return "the engine wants a client certificate and none was given (cert.pem, key.pem)"
        return (
            f"the engine refused the client certificate {tls.cert} "
            "(not signed by a CA the engine trusts, or expired)"
        )
    if any(word in reason for word in _NOT_TLS):
        return "the engine does not speak TLS at this address"
    return f"TLS failed: {reason or error}"
