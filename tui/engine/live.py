"""The live pipeline: one snapshot, then the event stream, re-reading only what changed.

A session reads everything, then opens the event stream with ``since`` set to a
moment before that read (the engine's clock at the read, or the last event seen
when reconnecting), so whatever happened during the read is replayed: nothing
is lost between the list and the stream. When the stream ends or the engine
goes away, the session ends; ``run`` waits with backoff and starts another,
which resyncs from a fresh snapshot. A local engine is asked meanwhile whether it is
back (a refused connection costs nothing), so the resync starts as soon as it answers,
not a whole backoff later; a remote one is not (each probe would be a new TCP, TLS or
ssh connection).

A stream can also stop without ending: a half-open TCP link, a host that froze.
While the stream is quiet the engine is pinged; one that does not answer in time
ends the session like a closed stream, so a dead link shows as reconnecting within
``QUIET_SECONDS + PING_TIMEOUT`` of its last word, its rows kept until the resync.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from tui.core.backend import (
    JSON,
    Backend,
    EngineError,
    EnginePermissionDenied,
    EngineUnavailable,
)
from tui.core.model import Container, CounterSample, DaemonFacts, Event, HostFacts, KernelView
from tui.core.parse import (
    parse_container,
    parse_container_summary,
    parse_engine,
    parse_event,
    parse_network,
    parse_stats,
    parse_time,
)
from tui.core.state import (
    Change,
    Connection,
    ConnectionChanged,
    ContainerGone,
    ContainerSeen,
    CountersSampled,
    DaemonSeen,
    EngineSeen,
    HostSeen,
    HostState,
    KernelSeen,
    Link,
    NetworkGone,
    NetworkSeen,
    Resynced,
    reduce,
)
from tui.engine.allocator import give_back
from tui.engine.firstread import FirstRead
from tui.engine.kernel import Kernel, remote_view, with_netns

EVENT_FILTERS = {"type": ["container", "network"]}
# Container actions that cannot change what we show (exec, health, tty...).
# A kill only sends a signal (a die follows if it ends the container), and an inspect
# during it waits for the engine's lock.
QUIET_ACTIONS = (
    "exec_",
    "health_status",
    "top",
    "attach",
    "detach",
    "resize",
    "copy",
    "kill",
    "archive-path",
    "extract-to-dir",
    "export",
    "commit",
)
# Actions after which the host's listeners may have changed (host-mode containers).
_HOST_ACTIONS = {"start", "die", "stop", "restart", "destroy", "pause", "unpause"}
INSPECT_CONCURRENCY = 16
BACKOFF = (0.5, 1.0, 2.0, 3.0, 5.0)
# How often a local engine is asked, during a backoff, whether it is back.
PROBE_SECONDS = 0.25
HOST_FACTS_INTERVAL = 10.0
HOST_READS_WAIT = 2.0
SINCE_MARGIN = 1.0
# Together under 10 s: how long a dead link may look live.
QUIET_SECONDS = 4.0
PING_TIMEOUT = 5.0
SAMPLE_SECONDS = 1.0
# A burst of events (a compose up) costs one plumbing read, not one per container.
PLUMBING_SETTLE = 0.2

HostReader = Callable[[], HostFacts]
DaemonReader = Callable[[JSON], DaemonFacts]


def backoff(attempt: int) -> float:
    return BACKOFF[min(attempt, len(BACKOFF)) - 1] if attempt > 0 else 0.0


def _since_of(event: Event) -> str:
    seconds, nanos = divmod(event.time_nano, 1_000_000_000)
    return f"{seconds}.{nanos:09d}"


def stream_since(info: JSON, lag: float) -> str | None:
    """Where the first event stream starts: the engine's clock when it answered ``/info``,
    less ``lag`` (how long after the lists were asked for that answer came, so the moment
    is no later than the lists') and a margin."""
    moment = parse_time(info.get("SystemTime"))
    return f"{moment.timestamp() - max(lag, 0.0) - SINCE_MARGIN:.6f}" if moment else None


class Live:
    """Keeps a ``HostState`` true to the engine, and hands each new one to ``publish``."""

    def __init__(
        self,
        backend: Backend,
        publish: Callable[[HostState], None] = lambda state: None,
        *,
        read_host: HostReader | None = None,
        read_daemon: DaemonReader | None = None,
        on_event_applied: Callable[[Event], None] | None = None,
        first_read: FirstRead | None = None,
        state: HostState | None = None,
        kernel: Kernel | None = None,
        sample_interval: float = SAMPLE_SECONDS,
    ) -> None:
        self.backend = backend
        self._first_read = first_read
        # Where to start from: the state the first paint drew, so that the app's first
        # frame shows the same rows (the first session reads everything again).
        self.state = state or HostState()
        self._was_live = False
        self._publish = publish
        self._read_host = read_host if backend.local else None
        self._read_daemon = read_daemon
        # The kernel confirms who shares a namespace, when the engine's processes are ours.
        self._netns: Callable[[Container], Container] = with_netns if backend.local else lambda c: c
        self._on_event_applied = on_event_applied
        self._kernel = kernel if backend.local else None
        self.sample_interval = sample_interval
        self._plumbing_due = asyncio.Event()
        # A remote engine's rates: the one container whose stats are asked for.
        self._stats_of: str | None = None
        self._stats_moved = asyncio.Event()
        self._last_event: Event | None = None
        self._inflight: dict[str, asyncio.Task[None]] = {}
        self._again: set[str] = set()
        self._waiting: dict[str, list[Event]] = {}
        self._destroyed: set[str] = set()
        self._host_due = asyncio.Event()
        self._limit = asyncio.Semaphore(INSPECT_CONCURRENCY)

    def set_publisher(self, publish: Callable[[HostState], None]) -> None:
        """Who receives each new state (the app, once it is mounted)."""
        self._publish = publish

    # state ---------------------------------------------------------------

    def apply(self, change: Change) -> None:
        new = reduce(self.state, change)
        if new is not self.state:
            if new.containers is not self.state.containers:
                self._plumbing_due.set()
            self.state = new
            self._publish(new)

    def _connection(self, link: Link, message: str = "", attempt: int = 0) -> None:
        self.apply(ConnectionChanged(Connection(link, message, attempt)))

    # the loop ------------------------------------------------------------

    async def run(self) -> None:
        """Follow the engine forever: sessions, and backoff between them."""
        attempt = 0
        while True:
            try:
                await self._session()
                message = "the engine closed the event stream"
            except EngineError as exc:
                message = str(exc)
            attempt = 1 if self.state.connection.link is Link.LIVE else attempt + 1
            link = Link.RECONNECTING if self.state.engine else Link.DOWN
            self._connection(link, message, attempt)
            await self._until_back(backoff(attempt))

    async def _until_back(self, seconds: float) -> None:
        """Wait ``seconds`` before the next session, or less if a local engine that did
        not answer answers again.

        An engine that restarts takes as long as it likes to stop (its containers' stop
        timeouts, a loaded host): a blind backoff left the rows as they were before the
        restart for up to 5 s after it answered again. One that still answers (the
        session ended otherwise) gets the whole backoff, so a fault that recurs is not
        read again and again."""
        if not self.backend.local:
            await asyncio.sleep(seconds)
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                if await self._answers():
                    await asyncio.sleep(seconds)
                while not await self._answers():
                    await asyncio.sleep(PROBE_SECONDS)

    async def _answers(self) -> bool:
        try:
            await self.backend.ping(PING_TIMEOUT)
        except EngineError:
            return False
        return True

    async def snapshot(self) -> HostState:
        """Read the whole engine once (the headless commands' way in), with the
        kernel's counters for a local engine."""
        await self._read_all()
        await self._refresh_plumbing()
        await self.sample()
        return self.state

    async def _read_all(self) -> str | None:
        """Everything, in one concurrent round for the first paint, then the details; not
        a local engine's plumbing, which a session reads once its event stream is open
        (250 namespaces take a second or more: the engine's events must not wait on them).

        Returns where a first session's event stream starts (``stream_since``).
        """
        first, self._first_read = self._first_read, None
        documents = await asyncio.to_thread(first.take) if first is not None else None
        if documents is not None:
            version, info = documents.version, documents.info
            containers, networks = documents.containers, documents.networks
            since = stream_since(info, documents.info_lag)
        else:
            loop = asyncio.get_running_loop()
            asked = loop.time()

            async def info_and_lag() -> tuple[JSON, float]:
                answer = await self.backend.info()
                return answer, loop.time() - asked

            version, (info, lag), containers, networks = await asyncio.gather(
                self.backend.version(),
                info_and_lag(),
                self.backend.list_containers(),
                self.backend.list_networks(),
            )
            since = stream_since(info, lag)
        self.apply(EngineSeen(parse_engine(version, self.backend.endpoint, self.backend.local)))
        summaries = tuple(c for c in map(parse_container_summary, containers) if c)
        known_networks = tuple(n for n in map(parse_network, networks) if n)
        self.apply(Resynced(summaries, known_networks))
        # One change for the whole wave, not one repaint per inspect.
        answers = await asyncio.gather(*map(self._inspected, summaries), return_exceptions=True)
        inspected = []
        for answer in answers:
            if isinstance(answer, BaseException):
                raise answer
            if answer is not None:
                inspected.append(answer)
        self.apply(Resynced(tuple(inspected), known_networks))
        if self._read_daemon is not None:
            self.apply(DaemonSeen(await asyncio.to_thread(self._read_daemon, info)))
        await self._refresh_host()
        # The whole read's answers are garbage now: what the allocator kept of them goes.
        give_back()
        return since

    async def _session(self) -> None:
        self._connection(Link.RECONNECTING if self._was_live else Link.CONNECTING)
        self._again.clear()
        self._waiting.clear()
        self._destroyed.clear()
        first_since = await self._read_all()
        if self._kernel is None:
            await self._refresh_plumbing()  # says "remote": nothing to read
        else:
            self._plumbing_due.set()  # read by the plumbing loop, the stream open meanwhile
        # The stream opens after the read, from a moment before it: the events of the
        # read's time are replayed (re-reading is harmless), none is lost.
        since = _since_of(self._last_event) if self._last_event else first_since
        queue: asyncio.Queue[JSON | EngineError | None] = asyncio.Queue()
        loop = asyncio.get_running_loop()
        helpers = [
            loop.create_task(self._pump(since, queue)),
            loop.create_task(self._host_loop()),
            loop.create_task(self._plumbing_loop()),
            loop.create_task(self._sampling_loop()),
            loop.create_task(self._stats_loop()),
        ]
        for helper in helpers:
            helper.add_done_callback(_log_failure)
        try:
            self._connection(Link.LIVE)
            self._was_live = True
            while (item := await self._next(queue)) is not None:
                if isinstance(item, EngineError):
                    raise item
                event = parse_event(item)
                if event is not None:
                    self._on_event(event)
        finally:
            for task in [*helpers, *self._inflight.values()]:
                task.cancel()

    async def _next(self, queue: asyncio.Queue[Any]) -> Any:
        """The stream's next item; while it is quiet, the engine must answer a ping."""
        while True:
            try:
                # Not wait_for: on Python 3.11 it drops a cancellation that comes as the
                # item does, and the cancelled session would follow the engine on.
                async with asyncio.timeout(QUIET_SECONDS):
                    return await queue.get()
            except TimeoutError:
                await self.backend.ping(PING_TIMEOUT)  # EngineUnavailable ends the session

    async def _pump(self, since: str | None, queue: asyncio.Queue[Any]) -> None:
        """Feed the queue; whatever ends the stream ends the session (None or the error)."""
        end: EngineError | None = None
        try:
            async for item in self.backend.events(since, EVENT_FILTERS):
                queue.put_nowait(item)
        except EngineError as exc:
            end = exc
        except Exception as exc:  # a client fault must not leave the session waiting
            logging.getLogger("netdock").error("event stream failed", exc_info=exc)
            end = EngineUnavailable(f"the event stream failed: {exc}")
        finally:
            queue.put_nowait(end)

    # events --------------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        self._last_event = event
        if event.type == "network":
            if event.action in ("connect", "disconnect") and event.container_id:
                self._touch_container(event.container_id, event)
            elif event.action in ("destroy", "remove"):
                self.apply(NetworkGone(event.actor_id))
                self._applied(event)
            else:
                self._spawn(self._refresh_network(event))
            return
        if event.type != "container" or event.action.startswith(QUIET_ACTIONS):
            return
        if event.action in _HOST_ACTIONS:
            self._host_due.set()
        if event.action == "destroy":
            # The last word on a container: a read still under way (or refused while
            # the container was being removed) must not bring it back.
            if event.actor_id in self._inflight:
                self._destroyed.add(event.actor_id)
            self.apply(ContainerGone(event.actor_id))
            self._applied(event)
            return
        self._touch_container(event.actor_id, event)

    def _applied(self, event: Event | None) -> None:
        if event is not None and self._on_event_applied is not None:
            self._on_event_applied(event)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        task.add_done_callback(_log_failure)

    def _touch_container(self, cid: str, event: Event | None) -> None:
        """Re-read a container; an event that comes during the read triggers one more."""
        if cid in self._inflight:
            self._again.add(cid)
            if event is not None:
                self._waiting.setdefault(cid, []).append(event)
            return
        if cid not in self.state.containers:
            # A new container: the engine holds its inspect until a start in progress is
            # done (a third of a second here), the list endpoint answers at once.
            self._spawn(self._summary_into_state(cid))
        task = asyncio.get_running_loop().create_task(self._inspect_into_state(cid, event))
        self._inflight[cid] = task

    def _settled(self, cid: str) -> None:
        """The read of ``cid`` is over: said in the read's own last step, not in a done
        callback, which runs a step later, when an event handled in between would have
        joined the read that was ending and been dropped with it."""
        if self._inflight.get(cid) is asyncio.current_task():
            del self._inflight[cid]
            self._destroyed.discard(cid)
            self._again.discard(cid)
            self._waiting.pop(cid, None)

    async def _summary_into_state(self, cid: str) -> None:
        with contextlib.suppress(EngineError):
            listed = await self.backend.list_containers([cid])
            # Once the inspect has answered (the container, or its absence), a summary
            # could only bring back something older.
            if cid in self._inflight and cid not in self._destroyed:
                for summary in filter(None, map(parse_container_summary, listed)):
                    self.apply(ContainerSeen(summary))

    async def _inspected(self, summary: Container) -> Container | None:
        """A container of the first wave, read in full: None when it was gone before its
        inspect, its summary when the engine would not describe it (its next event reads
        it again); a lost engine ends the session. Each document is dropped once parsed:
        a wave of 1,000 holds a few documents at a time, not 1,000 (the process's memory
        keeps the size of its peak)."""
        try:
            doc = await self._inspect(summary.id)
        except (EngineUnavailable, EnginePermissionDenied):
            raise
        except EngineError:
            return summary
        container = parse_container(doc) if doc is not None else None
        return self._netns(container) if container is not None else None

    async def _inspect(self, cid: str) -> JSON | None:
        async with self._limit:
            return await self.backend.inspect_container(cid)

    async def _inspect_into_state(self, cid: str, event: Event | None = None) -> None:
        events = [event] if event is not None else []
        try:
            while True:
                try:
                    doc = await self._inspect(cid)
                except EngineError:
                    # The session is ending (the next one resyncs), or the engine refused
                    # this one read: its row stays as it was until the container's next event.
                    return
                if cid in self._destroyed:
                    return
                # Each answer is shown at once, even when a newer event asks for another
                # read: an inspect can wait on the engine's lock while a container starts.
                container = parse_container(doc) if doc is not None else None
                if container is not None:
                    container = self._netns(container)
                self.apply(ContainerSeen(container) if container else ContainerGone(cid))
                for done in events:
                    self._applied(done)
                if cid not in self._again:
                    return
                self._again.discard(cid)
                events = self._waiting.pop(cid, [])
        finally:
            self._settled(cid)

    async def _refresh_network(self, event: Event) -> None:
        with contextlib.suppress(EngineError):
            doc = await self.backend.inspect_network(event.actor_id)
            network = parse_network(doc) if doc is not None else None
            self.apply(NetworkSeen(network) if network else NetworkGone(event.actor_id))
            self._applied(event)

    # the host's own facts (listeners, addresses) ---------------------------

    async def _reads_done(self) -> None:
        """Wait (a little) for the container reads under way: a docker-proxy seen before
        its container's binding would be told as a host process holding the port."""
        reads = list(self._inflight.values())
        if reads:
            await asyncio.wait(reads, timeout=HOST_READS_WAIT)

    async def _refresh_host(self) -> None:
        if self._read_host is not None:
            self.apply(HostSeen(await asyncio.to_thread(self._read_host)))

    async def _host_loop(self) -> None:
        """Host sockets have no event stream: re-read them after container starts
        and stops, and now and then for host processes."""
        if self._read_host is None:
            return
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(HOST_FACTS_INTERVAL):  # not wait_for: see _next
                    await self._host_due.wait()
                await asyncio.sleep(0.3)  # let a starting process bind its ports
                await self._reads_done()
            self._host_due.clear()
            try:
                await self._refresh_host()
            except Exception as exc:  # /proc surprises must not stop the next reads
                logging.getLogger("netdock").error("reading host facts failed", exc_info=exc)

    # the kernel's plumbing and counters ---------------------------------------

    async def _refresh_plumbing(self) -> None:
        self._plumbing_due.clear()
        if self._kernel is None:
            self.apply(KernelSeen(remote_view()))
            return
        try:
            view = await asyncio.to_thread(self._kernel.read_view, self.state)
        except Exception as exc:  # a kernel surprise is a marker, never the session's end
            logging.getLogger("netdock").error("reading the plumbing failed", exc_info=exc)
            view = KernelView(available=False, reason=f"the kernel could not be read: {exc}")
        self.apply(KernelSeen(view))

    async def _plumbing_loop(self) -> None:
        """Interfaces come and go with containers: read them again after a change (the
        session's read of every container is one)."""
        if self._kernel is None:
            return
        first = True
        while True:
            await self._plumbing_due.wait()
            await asyncio.sleep(PLUMBING_SETTLE)
            await self._refresh_plumbing()
            if first:  # the session's read of every namespace: a peak, as the read's
                give_back()
                first = False

    async def sample(self) -> None:
        """One round of counters (a local engine only); a failed round is logged and skipped."""
        if self._kernel is None:
            return
        try:
            sample = await asyncio.to_thread(self._kernel.sample, self.state)
        except Exception as exc:
            logging.getLogger("netdock").error("sampling counters failed", exc_info=exc)
            return
        self.apply(CountersSampled(sample))

    async def _sampling_loop(self) -> None:
        if self._kernel is None or self.sample_interval <= 0:
            return
        while True:
            await self.sample()
            await asyncio.sleep(self.sample_interval)

    # a remote engine's rates: one container's one-shot stats -----------------------

    def sample_stats_of(self, container_id: str | None) -> None:
        """A remote engine (its kernel is out of reach): sample this container's rates
        from the engine's one-shot stats, every ``sample_interval``; None stops. One
        container at a time (the one the user looks at), never a stream."""
        if container_id != self._stats_of:
            self._stats_of = container_id
            self._stats_moved.set()

    async def _stats_loop(self) -> None:
        if self.backend.local or self.sample_interval <= 0:
            return
        loop = asyncio.get_running_loop()
        while True:
            self._stats_moved.clear()
            target = self._stats_of
            if target is None:
                self._forget_stats()
                await self._stats_moved.wait()
                continue
            started = loop.time()
            await self._sample_stats(target)
            # Every interval from the last ask's start (an answer may take a while); a
            # new selection is asked for at once.
            rest = self.sample_interval - (loop.time() - started)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stats_moved.wait(), max(rest, 0.0))

    async def _sample_stats(self, container_id: str) -> None:
        """One answer of the engine's stats as a sample; a refusal is a marker on the
        container, never the session's end (a lost engine is the stream's to tell)."""
        try:
            document = await self.backend.container_stats(container_id)
        except EngineError as exc:
            sample = CounterSample(
                self.state.traffic.time or 0.0, missing={container_id: f"stats: {exc}"}
            )
        except Exception as exc:
            logging.getLogger("netdock").error("reading stats failed", exc_info=exc)
            return
        else:
            sample = parse_stats(document, container_id) if document is not None else None
        if self._stats_of != container_id:
            return  # the selection moved on while the engine answered
        if sample is None:  # gone, or no longer running
            self._forget_stats()
        else:
            self.apply(CountersSampled(sample))

    def _forget_stats(self) -> None:
        """No container sampled: no rates kept (a later one starts from a fresh reading)."""
        traffic = self.state.traffic
        if traffic.interfaces or traffic.missing:
            self.apply(CountersSampled(CounterSample(traffic.time or 0.0)))


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        # Engine errors are handled where they happen; anything else is a bug
        # that must not kill the pipeline, only be seen.
        logging.getLogger("netdock").error("pipeline task failed", exc_info=task.exception())
