"""The live pipeline's faults, driven through a fake backend (the real engine's are in
test_app and test_engine_restart)."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import threading
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from fakes import FakeBackend, container_event

from tui.core.backend import EngineRefused
from tui.core.document import gateway_of
from tui.core.model import (
    Container,
    CounterSample,
    Detail,
    Endpoint,
    HostFacts,
    KernelView,
    Network,
    Subnet,
)
from tui.core.state import HostState, Link, Resynced, reduce
from tui.engine import live as live_module
from tui.engine.live import Live


class Refusing(FakeBackend):
    """An engine that will not describe one container (a 500), and whose stream may break."""

    def __init__(self, refused: str) -> None:
        super().__init__()
        self.refused = refused
        self.broken_stream = False

    async def inspect_container(self, ref: str):
        if ref == self.refused:
            raise EngineRefused("internal error", 500)
        return await super().inspect_container(ref)

    async def events(self, since, filters):
        if self.broken_stream:
            self.broken_stream = False
            raise ValueError("Chunk too big")  # a client fault, not an EngineError
        async for event in super().events(since, filters):
            yield event


async def until(condition, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


async def test_one_container_the_engine_will_not_describe_keeps_its_summary():
    backend = Refusing(refused=next(iter(FakeBackend().containers)))
    live = Live(backend)
    task = asyncio.create_task(live.run())
    try:
        await until(lambda: live.state.connection.link is Link.LIVE)
        refused = live.state.containers[backend.refused]
        assert refused.detail is Detail.SUMMARY
        others = [c for c in live.state.containers.values() if c.id != backend.refused]
        assert len(others) == 10 and all(c.detail is Detail.INSPECT for c in others)
    finally:
        task.cancel()


async def test_a_client_fault_in_the_stream_ends_the_session_and_it_reconnects():
    backend = Refusing(refused="none")
    backend.broken_stream = True
    seen: list[Link] = []
    live = Live(backend, lambda state: seen.append(state.connection.link))
    task = asyncio.create_task(live.run())
    try:
        await until(lambda: Link.RECONNECTING in seen)
        await until(lambda: live.state.connection.link is Link.LIVE and seen[-1] is Link.LIVE)
        assert len(live.state.containers) == 11
    finally:
        task.cancel()


class LocalEngine(FakeBackend):
    """An engine on this host: asked during a backoff whether it is back."""

    def __init__(self) -> None:
        super().__init__()
        self.pings = 0

    @property
    def local(self) -> bool:
        return True

    async def ping(self, timeout: float) -> None:
        self.pings += 1
        await super().ping(timeout)


@contextlib.asynccontextmanager
async def following(backend: LocalEngine, monkeypatch) -> AsyncIterator[Live]:
    """A pipeline following ``backend``, live, with a backoff no test would wait out."""
    monkeypatch.setattr(live_module, "BACKOFF", (60.0,))
    live = Live(backend)
    task = asyncio.create_task(live.run())
    try:
        await until(lambda: live.state.connection.link is Link.LIVE)
        yield live
    finally:
        task.cancel()


async def test_a_local_engine_back_from_a_restart_is_read_again_as_soon_as_it_answers(
    monkeypatch,
):
    # The resync must not wait for the backoff.
    backend = LocalEngine()
    async with following(backend, monkeypatch) as live:
        doc = next(c for c in backend.containers.values() if c["State"]["Status"] == "running")
        backend.up = False
        backend.drop()
        await until(lambda: live.state.connection.link is Link.RECONNECTING)
        # The engine stopped it on its way down and told nobody.
        doc["State"].update(Status="exited", Running=False, Pid=0)
        backend.up = True
        await until(
            lambda: (
                live.state.connection.link is Link.LIVE
                and live.state.containers[doc["Id"]].state == "exited"
            )
        )


async def test_a_session_that_ends_while_the_engine_answers_waits_out_its_backoff(monkeypatch):
    backend = LocalEngine()
    async with following(backend, monkeypatch) as live:
        backend.drop()  # the stream ends, the engine still answers
        await until(lambda: live.state.connection.link is Link.RECONNECTING)
        await asyncio.sleep(1.0)  # four probes' worth
        assert live.state.connection.link is Link.RECONNECTING
        assert backend.pings == 1, "asked once whether it is there, not again and again"


def test_a_malformed_gateway_is_no_gateway():
    network = Network("n", "b", "bridge", "local", (Subnet("172.17.0.0/16"),))
    odd = Container("c", "c", "i", "running", "b", (Endpoint("b", "n", "172.17.0.2", 16, "x"),))
    state = reduce(HostState(), Resynced((odd,), (network,)))
    assert gateway_of(state, network, network.subnets[0]) is None


async def test_cancelling_the_pipeline_ends_it_even_as_an_event_arrives():
    """A cancellation that comes as the wait for the next event ends must not be lost
    (Python 3.11's ``wait_for`` drops it): whoever awaits the pipeline would wait forever."""
    for yields in range(12):
        backend = FakeBackend()
        live = Live(backend)
        task = asyncio.create_task(live.run())
        await until(lambda live=live: live.state.connection.link is Link.LIVE)
        cid = next(iter(backend.containers))
        backend.push(container_event("exec_start: sh", cid))
        for _ in range(yields):
            await asyncio.sleep(0)
        task.cancel()
        done, _ = await asyncio.wait([task], timeout=2)
        assert task in done, f"still following after a cancel {yields} steps after an event"


class SlowClock(FakeBackend):
    """An engine whose ``/info`` answers long after its lists (a loaded host): its clock,
    read then, is later than the lists' moment by more than any margin."""

    def __init__(self) -> None:
        super().__init__()
        self.listed_at = 0.0
        self.since: str | None = None

    async def info(self):
        answer = dict(await super().info())
        await asyncio.sleep(1.5)
        answer["SystemTime"] = datetime.now(UTC).isoformat()
        return answer

    async def list_containers(self, ids=()):
        self.listed_at = self.listed_at or time.time()
        return await super().list_containers(ids)

    async def events(self, since, filters, until=None):
        self.since = since
        async for event in super().events(since, filters, until):
            yield event


async def test_the_stream_starts_before_the_lists_even_when_info_answers_late():
    backend = SlowClock()
    live = Live(backend)
    task = asyncio.get_running_loop().create_task(live.run())
    try:
        while backend.since is None:
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert float(backend.since) <= backend.listed_at, "an event after the list is replayed"


class SlowKernel:
    """A local engine's kernel whose plumbing takes long to read (1,000 namespaces)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.reads = 0

    def read_view(self, state: HostState) -> KernelView:
        self.reads += 1
        self.release.wait(10)
        return KernelView(available=True)

    def sample(self, state: HostState) -> CounterSample:
        return CounterSample(time.monotonic())


async def test_the_engines_events_do_not_wait_for_the_plumbing_read():
    backend, kernel = LocalEngine(), SlowKernel()
    live = Live(backend, kernel=kernel, sample_interval=0)  # type: ignore[arg-type]
    task = asyncio.get_running_loop().create_task(live.run())
    try:
        await until(lambda: live.state.connection.link is Link.LIVE and kernel.reads == 1)
        gone = next(iter(backend.containers))
        del backend.containers[gone]
        backend.push(container_event("destroy", gone))
        await until(lambda: gone not in live.state.containers)
        assert not live.state.kernel.available, "shown while the plumbing is still read"
        kernel.release.set()
        await until(lambda: live.state.kernel.available)
    finally:
        kernel.release.set()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


class Restarting(FakeBackend):
    """An engine that starts a container while it answers that container's inspect: the
    answer says ``exited``, and the ``start`` event is on its way as the answer comes."""

    def __init__(self, yields: int) -> None:
        super().__init__()
        self.yields = yields
        self.target = next(c for c in self.containers.values() if c["State"]["Running"])
        self.restarting = False

    async def inspect_container(self, ref: str):
        if not (self.restarting and ref == self.target["Id"]):
            return await super().inspect_container(ref)
        self.restarting = False
        answer = copy.deepcopy(self.target)
        answer["State"].update(Status="exited", Running=False, Pid=0)
        self.push(container_event("start", ref))
        for _ in range(self.yields):
            await asyncio.sleep(0)
        return answer


async def test_an_event_that_comes_as_a_read_ends_reads_the_container_again():
    """An event told while the read it would wait for is ending must not be dropped with
    that read's bookkeeping: the restarted container stayed ``exited`` (test_actions_engine
    saw it now and then on a loaded machine)."""
    for yields in range(8):
        backend = Restarting(yields)
        live = Live(backend)
        task = asyncio.create_task(live.run())
        try:
            await until(lambda live=live: live.state.connection.link is Link.LIVE)
            cid = backend.target["Id"]
            backend.restarting = True
            backend.push(container_event("die", cid))
            await until(lambda backend=backend: not backend.restarting)
            try:
                await until(lambda live=live, cid=cid: live.state.containers[cid].running, 2)
            except TimeoutError:
                raise AssertionError(f"left exited ({yields} steps)") from None
        finally:
            task.cancel()


class StartingEngine(LocalEngine):
    """A local engine whose read of a starting container waits on its start."""

    def __init__(self) -> None:
        super().__init__()
        self.started = asyncio.Event()
        self.starting: str | None = None

    async def inspect_container(self, ref):
        if ref == self.starting:
            await self.started.wait()
        return await super().inspect_container(ref)


async def test_the_hosts_sockets_are_read_after_the_container_that_opened_them():
    """A docker-proxy read before its container's binding would be a host process holding
    the port (a collision told for a moment): the host's read waits for the container's."""
    backend, reads = StartingEngine(), []
    live = Live(backend, read_host=lambda: reads.append(1) or HostFacts(), sample_interval=0)
    task = asyncio.get_running_loop().create_task(live.run())
    try:
        await until(lambda: live.state.connection.link is Link.LIVE and reads)
        before = len(reads)
        backend.starting = next(iter(backend.containers))
        backend.push(container_event("start", backend.starting))
        await asyncio.sleep(live_module.HOST_READS_WAIT / 2)
        assert len(reads) == before, "the sockets were read before the container"
        backend.started.set()
        await until(lambda: len(reads) > before)
    finally:
        backend.started.set()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
