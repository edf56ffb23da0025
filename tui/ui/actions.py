"""What the keys do to containers: start, stop, restart, pause, remove, launch, presets.

Mixed into ``NetdockApp`` (these are the app's own actions; its ``BINDINGS`` name
them). Each action sends one request in a worker and marks the row ("stopping…")
until the engine's events bring the result: the table never shows a guess.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from textual import work
from textual.binding import Binding
from textual.widgets import TabbedContent

from tui.core.backend import EngineError
from tui.core.config import Config, Preset, key_clashes, without_keys
from tui.core.lab import pick_image, sole_image
from tui.core.launch import (
    CONTAINER_PREFIX,
    LaunchSpec,
    image_ids,
    image_names,
    relaunch_mode,
    relaunch_spec,
    validate,
)
from tui.core.model import Container
from tui.core.namespaces import all_sharers
from tui.core.ports import blocking, find_conflicts
from tui.core.state import HostState
from tui.engine.bindable import can_bind
from tui.ui.screens.confirm import ConfirmScreen
from tui.ui.screens.engine_choice import EngineChoiceScreen
from tui.ui.screens.launcher import LauncherScreen, StartFailed, create_and_start

if TYPE_CHECKING:
    from tui.engine.live import Live
    from tui.ui.engines import Engines
    from tui.ui.tabs.containers import ContainersTab

# Actions that change the engine: read-only mode takes every one of them away.
ENGINE_ACTIONS = frozenset(
    {"start", "stop", "restart", "pause", "remove", "launch", "relaunch", "preset"}
)
# Of those, the ones on the selected container, by the states they apply to.
ON_SELECTED: Mapping[str, frozenset[str] | None] = {
    "start": frozenset({"created", "exited"}),
    "stop": frozenset({"running", "paused", "restarting"}),
    "restart": frozenset({"running", "paused", "exited", "created"}),
    "pause": frozenset({"running", "paused"}),
    "remove": None,  # any state
    "relaunch": None,
}
BUSY_WORDS = {
    "start": "starting…",
    "stop": "stopping…",
    "restart": "restarting…",
    "pause": "pausing…",
    "unpause": "unpausing…",
    "remove": "removing…",
}
# After its request returns, a mark waits at most this long for the engine's event.
SETTLE_SECONDS = 3.0


class BusyMarks:
    """Transient marks ("stopping…") per container, held until the state shows a change."""

    def __init__(self) -> None:
        self.labels: dict[str, str] = {}
        self._before: dict[str, Container | None] = {}
        self._returned: set[str] = set()

    def begin(self, cid: str, label: str, before: Container | None) -> None:
        self.labels[cid] = label
        self._before[cid] = before
        self._returned.discard(cid)

    def drop(self, cid: str) -> None:
        self.labels.pop(cid, None)
        self._before.pop(cid, None)
        self._returned.discard(cid)

    def returned(self, cid: str, containers: Mapping[str, Container]) -> None:
        """The request came back: the mark goes once the state differs from before."""
        self._returned.add(cid)
        self.settle(containers)

    def expire(self, cid: str) -> bool:
        """The engine's event never came: drop the mark of a returned request anyway."""
        if cid in self._returned:
            self.drop(cid)
            return True
        return False

    def settle(self, containers: Mapping[str, Container]) -> bool:
        """Drop the marks whose change the containers now show; True when one went."""
        settled = [c for c in self._returned if containers.get(c) != self._before.get(c)]
        for cid in settled:
            self.drop(cid)
        return bool(settled)


def preset_bindings(config: Config) -> list[Binding]:
    """One binding per preset with a key ("f2,ctrl+t" for two): data, like the rest of the
    binding table."""
    return [
        Binding(p.key, f"preset('{p.name}')", p.label, show=False, id=p.binding_id)
        for p in config.presets
        if p.key
    ]


class ContainerActions:
    """The engine-changing actions of ``NetdockApp`` (see the module's docstring)."""

    # Provided by NetdockApp: the engines, and the one the action acts on.
    engines: Engines
    acting_engine: int
    live: Live
    state: HostState
    _launch_engine: int | None
    read_only: bool
    config: Config
    launch_labels: dict[str, str]
    containers: ContainersTab
    BINDINGS: Any

    def _init_actions(self, config: Config, taken: Mapping[str, str]) -> list[str]:
        """Set up marks and preset keys; returns problems to tell the user."""
        self.busy = BusyMarks()
        # Container ID -> the engine's last refusal of a request on it, kept in its detail
        # (a toast is gone in seconds) until a request on it succeeds.
        self.refusals: dict[str, str] = {}
        # A container just launched, and the filter as it was then: the cursor goes to it
        # once it shows; the filter is cleared for it unless the user has changed it since.
        self._select_when_seen: tuple[str, str] | None = None
        clashes = key_clashes(config, taken)
        self.config = without_keys(config, {name for name, _ in clashes})
        self.preset_bindings = preset_bindings(self.config)
        self._install_bindings(self.preset_bindings)
        known = {b.id for b in [*self.BINDINGS, *self.preset_bindings] if b.id}
        unknown = [
            f"[keys] {binding_id}: no key binding has this ID (`?` lists them); ignored"
            for binding_id in self.config.keys
            if binding_id not in known
        ]
        return [message for _, message in clashes] + unknown

    def _install_bindings(self, bindings: list[Binding]) -> None:
        """Add bindings to the app's map as if ``BINDINGS`` had named them.

        Textual 8.2 has no public call for this: ``App.bind`` makes a Binding without an
        ``id`` (so a ``[keys]`` override could not move a preset's key) and its docs say it
        may go private. So the map is extended directly, one entry per key, as Textual's
        own ``make_bindings`` expands a ``BINDINGS`` entry.
        """
        app: Any = self
        for binding in Binding.make_bindings(bindings):
            app._bindings.key_to_bindings.setdefault(binding.key, []).append(binding)

    # availability ------------------------------------------------------------

    def _on_containers_tab(self) -> bool:
        app: Any = self
        try:
            return bool(app.query_one(TabbedContent).active == "containers")
        except Exception:  # not composed yet
            return False

    def selected_container(self) -> Container | None:
        tab = getattr(self, "containers", None)
        if tab is None or not tab.is_mounted or not self._on_containers_tab():
            return None
        return tab.selected

    def action_available(self, action: str) -> bool | None:
        """For ``check_action``: False (hidden) when it does not apply to the selection,
        None (shown dimmed) when it applies but read-only mode takes it away, else True."""
        if action not in ENGINE_ACTIONS:
            return True
        if action in ON_SELECTED:
            container = self.selected_container()
            if container is None or container.id in self.busy.labels:
                return False
            states = ON_SELECTED[action]
            if states is not None and container.state not in states:
                return False
        return None if self.read_only else True

    def refused_in_read_only(self, action: str) -> bool:
        """Whether ``action`` applies now and only read-only mode keeps it from running."""
        return self.read_only and action in ENGINE_ACTIONS and self.action_available(action) is None

    # the actions ---------------------------------------------------------------

    def _confirm_sharers(self, container: Container, verb: str, then: Any) -> None:
        running = [c.name for c in all_sharers(self.state, container) if c.running]
        if not running:
            then(True)
            return
        names = ", ".join(running)
        app: Any = self
        app.push_screen(
            ConfirmScreen(
                f"{verb.capitalize()} {container.name}?",
                f"{names} share{'s' if len(running) == 1 else ''} {container.name}'s network "
                f"namespace: {'it loses its' if len(running) == 1 else 'they lose their'} "
                f"network (only loopback is left) and {'gets' if len(running) == 1 else 'get'} "
                f"it back only when restarted after {container.name} runs again.",
                yes=verb.capitalize(),
            ),
            then,
        )

    def _on_selected(self, action: str) -> Container | None:
        """The selected container, if ``action`` applies to it now (keys bypass nothing)."""
        if self.action_available(action) is not True:
            return None
        return self.selected_container()

    def action_start(self) -> None:
        if (c := self._on_selected("start")) is None:
            return
        held = [f for f in blocking(find_conflicts(self.state)) if c.id in f.container_ids]
        if not held:
            self._request(c, "start")
            return
        app: Any = self
        app.push_screen(
            ConfirmScreen(
                f"Start {c.name}?",
                "\n".join(f"{f.kind}: {f.message}" for f in held),
                yes="Start anyway",
            ),
            lambda yes: yes and self._request(c, "start"),
        )

    def action_stop(self) -> None:
        if (c := self._on_selected("stop")) is not None:
            self._confirm_sharers(c, "stop", lambda yes: yes and self._request(c, "stop"))

    def action_restart(self) -> None:
        if (c := self._on_selected("restart")) is not None:
            self._confirm_sharers(c, "restart", lambda yes: yes and self._request(c, "restart"))

    def action_pause(self) -> None:
        if (c := self._on_selected("pause")) is not None:
            self._request(c, "unpause" if c.state == "paused" else "pause")

    def action_remove(self) -> None:
        c = self._on_selected("remove")
        if c is None:
            return
        lines = [f"{c.name} ({c.short_id}, {c.image}) is {c.state}."]
        if c.running:
            lines.append("It is running: it is killed first (docker rm -f).")
        running = [s.name for s in all_sharers(self.state, c) if s.running]
        if running:
            lines.append(
                f"{', '.join(running)} share its network namespace and lose their network."
            )
        app: Any = self
        app.push_screen(
            ConfirmScreen(f"Remove {c.name}?", "\n".join(lines), yes="Remove"),
            lambda yes: yes and self._request(c, "remove"),
        )

    @work(group="container-actions")
    async def _request(self, container: Container, verb: str) -> None:
        # The selected row's engine, at the key press: the cursor may move meanwhile.
        engine = self.acting_engine
        backend = self.engines.lives[engine].backend
        cid = container.id
        self.busy.begin(cid, BUSY_WORDS[verb], self.state.containers.get(cid))
        self._marks_changed()
        try:
            match verb:
                case "start":
                    await backend.start_container(cid)
                case "stop":
                    await backend.stop_container(cid)
                case "restart":
                    await backend.restart_container(cid)
                case "pause":
                    await backend.pause_container(cid)
                case "unpause":
                    await backend.unpause_container(cid)
                case "remove":
                    # docker rm -f, as the dialog says: the container's anonymous volumes
                    # stay (its data may be all that is left of it).
                    await backend.remove_container(cid, force=container.running, volumes=False)
        except EngineError as exc:
            self.busy.drop(cid)
            self.refusals[cid] = f"{verb}: {exc}"
            app: Any = self
            app.notify(
                f"{verb} {container.name}: {exc}",
                title="The engine refused",
                severity="error",
                timeout=8,
                markup=False,
            )
        else:
            self.refusals.pop(cid, None)
            self.busy.returned(cid, self.engines.states[engine].containers)
            app = self
            app.set_timer(SETTLE_SECONDS, lambda: self._expire(cid))
        self._marks_changed()

    def _expire(self, cid: str) -> None:
        if self.busy.expire(cid):
            self._marks_changed()

    def _marks_changed(self) -> None:
        app: Any = self
        app.repaint_soon()
        app.refresh_bindings()

    # launching -----------------------------------------------------------------

    def _open_launcher(self, initial: LaunchSpec | None, title: str, focus: str = "image") -> None:
        # The launcher's engine holds until it closes, wherever the cursor goes meanwhile.
        if self._launch_engine is None:
            self._launch_engine = self.acting_engine
        app: Any = self
        app.push_screen(
            LauncherScreen(
                self.live.backend,
                lambda: self.state,
                initial,
                title=title,
                labels=self.launch_labels,
                focus=focus,
                bindable=self._bindable(),
            ),
            self._launched,
        )

    def _bindable(self) -> Callable[[str], bool] | None:
        """How to ask whether the engine's host can bind an address: only ours can tell."""
        return can_bind if self.live.backend.local else None

    def _launched(self, container_id: str | None) -> None:
        if container_id:
            key = self.containers.row_key(self.acting_engine, container_id)
            self._select_when_seen = (key, self.containers.filter_text)
            self._marks_changed()
        self._launch_engine = None

    def action_launch(self) -> None:
        if self.action_available("launch") is not True:
            return
        if not self.engines.several:
            self._open_launcher(None, "Launch a container")
            return

        def chosen(engine: int | None) -> None:
            if engine is not None:
                self._launch_engine = engine
                label = self.engines.labels[engine]
                self._open_launcher(None, f"Launch a container on {label}")

        app: Any = self
        app.push_screen(EngineChoiceScreen(self.engines.every(), self.acting_engine), chosen)

    def action_relaunch(self) -> None:
        c = self._on_selected("relaunch")
        if c is None:
            return
        spec = relaunch_spec(self.state, c, relaunch_mode(self.state, c))
        self._open_launcher(
            spec, f"Relaunch {c.name}'s image and command in another mode", focus="mode"
        )

    def action_preset(self, name: str) -> None:
        preset = self.config.preset(name)
        if preset is not None and self.action_available("preset") is True:
            # The container to join is the one selected now, at the key press: the
            # worker awaits the engine, and the cursor may move meanwhile.
            selected = self.selected_container()
            self._run_preset(preset, selected.id if selected else None)

    def _join_mode(self, container_id: str | None) -> str:
        """``container:<name>`` for the container with this ID, as it is called now; its
        short ID if it has gone (validation then says so)."""
        if container_id is None:
            return CONTAINER_PREFIX
        joined = self.state.containers.get(container_id)
        return CONTAINER_PREFIX + (joined.name if joined else container_id[:12])

    @work(group="presets")
    async def _run_preset(self, preset: Preset, selected_id: str | None) -> None:
        from tui.engine.portspec import parse_port_specs

        app: Any = self
        engine = self.acting_engine
        backend = self.engines.lives[engine].backend
        state = self.engines.states[engine]
        try:
            images = await backend.list_images()
        except EngineError as exc:
            app.notify(f"preset {preset.name}: {exc}", severity="error", markup=False)
            return
        local = (*image_names(images), *image_ids(images))
        image = (
            preset.image
            or self.config.image
            or pick_image(local)
            or sole_image(image_names(images))
            or ""
        )
        mode = self._join_mode(selected_id) if preset.mode == "container" else preset.mode
        spec = LaunchSpec(
            image=image,
            mode=mode,
            publish_all=preset.publish_all,
            ports=parse_port_specs(" ".join(preset.ports)),
            command=preset.command,
            labels=self.launch_labels,
        )
        if validate(spec, state, local, self._bindable()):
            self._launch_engine = engine
            self._open_launcher(spec, f"Preset {preset.label}: fix what is shown, then launch")
            return
        app.notify(f"{preset.label}: launching {image} in {mode} mode…", timeout=3, markup=False)
        try:
            launched = await create_and_start(backend, spec, state)
        except StartFailed as exc:
            created = exc.launched

            async def answer(remove: bool | None) -> None:
                if remove:
                    try:
                        # Made a moment ago by this preset: its anonymous volumes go too.
                        await backend.remove_container(
                            created.container_id, force=True, volumes=True
                        )
                    except EngineError as err:
                        app.notify(f"remove {created.name}: {err}", severity="error", markup=False)

            app.push_screen(
                ConfirmScreen(
                    f"{created.name} did not start",
                    f"The engine created it but would not start it:\n{exc}\n\n"
                    f"{created.name} exists now, in state Created. Remove it?",
                    yes="Remove it",
                    no="Keep it",
                ),
                answer,
            )
            return
        except EngineError as exc:
            app.notify(
                f"preset {preset.name}: {exc}",
                title="The engine refused",
                severity="error",
                timeout=8,
                markup=False,
            )
            return
        self._launch_engine = engine
        self._launched(launched.container_id)

    # following the engine ------------------------------------------------------

    def marks_for(self, containers: Mapping[str, Container]) -> dict[str, str]:
        """The rows' transient marks for this repaint, less those the state now settles."""
        if self.busy.settle(containers):
            app: Any = self
            app.refresh_bindings()
        return dict(self.busy.labels)

    def follow_actions(self) -> None:
        """After a repaint: put the cursor on a container just launched, once it shows."""
        if self._select_when_seen is None:
            return
        key, filter_then = self._select_when_seen
        found = self.containers.row(key)
        if found is None:
            return
        self._select_when_seen = None
        c = found[1]
        table = self.containers.table
        shown = ""
        if not table.select_key(key):
            if self.containers.filter_text == filter_then and self.containers.close_filter():
                # The filter the user had at the launch hid it: they asked for it, show it.
                shown = " (filter cleared to show it)"
                table.select_key(key)
            else:  # a filter typed since is the user's newer wish: keep it, say so
                shown = " (hidden by the filter)"
        app: Any = self
        app.notify(f"{c.name}: {c.state}{shown}", timeout=3, markup=False)
