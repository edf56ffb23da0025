"""``n``: the launcher, a form for ``docker run -d`` in any network mode.

Everything is validated as it is typed (``tui.core.launch.validate``) and nothing
is sent while a problem shows. What the engine still refuses is shown with its own
message; a container that was created but would not start is offered for removal.
Dismissed with the new container's ID, or None.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.timer import Timer
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from tui.core.backend import Backend, EngineError
from tui.core.launch import (
    BUILTIN_MODES,
    CONTAINER_PREFIX,
    Field,
    LaunchSpec,
    Problem,
    image_ids,
    image_names,
    problems_of,
    to_create_config,
    validate,
    warnings,
)
from tui.core.state import HostState
from tui.engine.portspec import parse_port_specs

# How long typing must pause before the form is judged again.
JUDGE_AFTER = 0.15


@dataclass(frozen=True, slots=True)
class Launched:
    container_id: str
    name: str


class StartFailed(Exception):
    """Created, but the engine would not start it: the container exists, in state Created."""

    def __init__(self, launched: Launched, message: str) -> None:
        super().__init__(message)
        self.launched = launched


async def create_and_start(backend: Backend, spec: LaunchSpec, state: HostState) -> Launched:
    """Create then start ``spec``; EngineError if nothing was created, StartFailed if the
    container was created but did not start."""
    cid = await backend.create_container(to_create_config(spec, state), spec.name.strip() or None)
    doc = await backend.inspect_container(cid)
    name = str((doc or {}).get("Name") or cid[:12]).lstrip("/")
    launched = Launched(cid, name)
    try:
        await backend.start_container(cid)
    except EngineError as exc:
        raise StartFailed(launched, str(exc)) from exc
    return launched


def mode_options(state: HostState, keep: str = "") -> list[tuple[str, str]]:
    """The network modes to offer: the builtins, every container's namespace (running
    ones can be joined; the others are there to say why not), every user network."""
    options = [(m + ("  (default)" if m == "bridge" else ""), m) for m in BUILTIN_MODES]
    containers = sorted(state.containers.values(), key=lambda c: (not c.running, c.name))
    for c in containers:
        note = "" if c.running else f"  ({c.state})"
        options.append((f"{CONTAINER_PREFIX}{c.name}{note}", f"{CONTAINER_PREFIX}{c.name}"))
    if not containers:
        options.append((f"{CONTAINER_PREFIX}  (no container to join)", CONTAINER_PREFIX))
    for n in sorted(state.networks.values(), key=lambda n: n.name):
        if n.name not in (*BUILTIN_MODES, "default"):
            options.append((f"{n.name}  (network, {n.driver})", n.name))
    if keep and keep not in [value for _, value in options]:
        options.append((keep, keep))
    return options


class FormCheckbox(Checkbox, inherit_bindings=False):
    """A checkbox that space toggles; Enter is the form's (next field), as on the inputs."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("space", "toggle_button", "Toggle")]


class LauncherScreen(ModalScreen[str | None]):
    """The launch form; see the module's docstring."""

    DEFAULT_CSS = """
    LauncherScreen { align: center middle; }
    LauncherScreen > VerticalScroll {
        width: 100; max-width: 100%; height: auto; max-height: 95%; padding: 0 2;
        border: thick $primary; background: $surface;
    }
    LauncherScreen #title { text-style: bold; padding: 1 0; }
    LauncherScreen .row { height: auto; }
    LauncherScreen .row Label { width: 10; padding: 1 0 0 0; color: $text-muted; }
    LauncherScreen .row Input, LauncherScreen .row Select { width: 1fr; }
    LauncherScreen .row Checkbox { width: auto; }
    LauncherScreen .problems { color: $error; height: auto; padding-left: 10; }
    LauncherScreen .warnings { color: $warning; height: auto; padding-left: 10; }
    LauncherScreen #hint { color: $text-muted; margin-top: 1; }
    LauncherScreen #entrypoint { color: $text-muted; padding-left: 10; }
    LauncherScreen #engine { height: auto; margin-top: 1; }
    LauncherScreen #engine.error { color: $error; }
    LauncherScreen #buttons { height: auto; margin: 1 0; }
    LauncherScreen #buttons Button { margin-right: 2; }
    LauncherScreen #remove-created, LauncherScreen #keep-created { display: none; }
    LauncherScreen.start-failed #remove-created,
    LauncherScreen.start-failed #keep-created { display: block; }
    LauncherScreen.start-failed #launch { display: none; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "launch", "Launch"),
        # Enter on a field without an Enter of its own (the -P checkbox) moves on too.
        Binding("enter", "next_field", "Next field", show=False),
        Binding("r", "remove_created", "Remove it", show=False),
        Binding("k", "keep_created", "Keep it", show=False),
    ]

    def __init__(
        self,
        backend: Backend,
        state: Callable[[], HostState],
        initial: LaunchSpec | None = None,
        *,
        title: str = "Launch a container",
        labels: Mapping[str, str] | None = None,
        focus: str = "image",
        bindable: Callable[[str], bool] | None = None,
    ) -> None:
        super().__init__()
        self._backend = backend
        self._bindable = bindable
        self._state = state
        self._initial = initial or LaunchSpec(image="")
        self._title = title
        self._labels = dict(labels or {})
        self._focus = focus
        self._images: tuple[str, ...] | None = None
        self._touched: set[Field] = set()
        if initial is not None:
            # A prefilled form (relaunch, preset) shows its problems at once.
            self._touched = {f for f in Field if f is not Field.NAME or initial.name}
        self._submitted = False
        self._created: Launched | None = None
        self._sending = False
        self._ready = False
        self._judge: Timer | None = None

    def compose(self) -> ComposeResult:
        spec = self._initial
        with VerticalScroll():
            yield Static(self._title, id="title", markup=False)
            with Horizontal(classes="row"):
                yield Label("Image")
                yield Input(spec.image, placeholder="nginx:alpine  (→ completes)", id="image")
            yield Static(classes="problems", id="image-problems")
            yield Static(classes="warnings", id="image-warnings")
            with Horizontal(classes="row"):
                yield Label("Name")
                yield Input(spec.name, placeholder="empty: the engine picks one", id="name")
            yield Static(classes="problems", id="name-problems")
            yield Static(classes="warnings", id="name-warnings")
            with Horizontal(classes="row"):
                yield Label("Mode")
                yield Select(
                    mode_options(self._state(), spec.mode),
                    value=spec.mode or "bridge",
                    allow_blank=False,
                    id="mode",
                )
            yield Static(classes="problems", id="mode-problems")
            yield Static(classes="warnings", id="mode-warnings")
            with Horizontal(classes="row"):
                yield Label("Ports")
                yield FormCheckbox("-P", spec.publish_all, id="publish-all")
                yield Input(
                    ", ".join(s.text for s in spec.ports),
                    placeholder="-p specs: 8080:80, 127.0.0.1:5353:53/udp, 9000-9001:9000-9001",
                    id="ports",
                )
            yield Static(classes="problems", id="ports-problems")
            yield Static(classes="warnings", id="ports-warnings")
            with Horizontal(classes="row"):
                yield Label("Command")
                yield Input(spec.command, placeholder="empty: the image's own", id="command")
            yield Static(classes="problems", id="command-problems")
            yield Static(classes="warnings", id="command-warnings")
            if spec.entrypoint:
                # Not a field: a relaunch keeps the original's program; shown, not hidden.
                yield Static(
                    Text(
                        f"Entrypoint: {shlex.join(spec.entrypoint)}  (kept from the original; "
                        "the command is its arguments)"
                    ),
                    id="entrypoint",
                )
            yield Static(
                "Images come from the engine (never pulled). Enter: next field (Mode: opens "
                "the list, type to search); on Command, Enter launches; ctrl+s launches "
                "from anywhere.",
                id="hint",
            )
            yield Static(id="engine")
            with Horizontal(id="buttons"):
                yield Button("Launch (ctrl+s)", variant="primary", id="launch")
                yield Button("Remove it (r)", variant="error", id="remove-created")
                yield Button("Keep it (k)", id="keep-created")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one(f"#{self._focus}").focus()
        self._load_images()
        self._warm_parser()
        self._show(self._problems())
        # Widgets announce their first values as changes: those are not the user's.
        self.call_after_refresh(setattr, self, "_ready", True)

    @work(thread=True, group="launcher-warm")
    def _warm_parser(self) -> None:
        # The docker SDK's port parser costs a fifth of a second to import: not on a keystroke.
        import docker.utils.ports  # noqa: F401

    @work(exclusive=True, group="launcher-images")
    async def _load_images(self) -> None:
        try:
            images = await self._backend.list_images()
        except EngineError as exc:
            self._say(f"could not list the engine's images: {exc}", error=True)
            return
        names = image_names(images)
        self._images = (*names, *image_ids(images))
        self.query_one("#image", Input).suggester = SuggestFromList(names, case_sensitive=False)
        self._show(self._problems())

    @property
    def images_loaded(self) -> bool:
        """Whether the engine's image list has come (the image check waits for it)."""
        return self._images is not None

    # the form -> a spec -> its problems -------------------------------------

    def spec(self) -> LaunchSpec:
        mode = self.query_one("#mode", Select).value
        return LaunchSpec(
            image=self.query_one("#image", Input).value.strip(),
            name=self.query_one("#name", Input).value.strip(),
            mode=mode if isinstance(mode, str) else "bridge",
            publish_all=self.query_one("#publish-all", Checkbox).value,
            ports=parse_port_specs(self.query_one("#ports", Input).value),
            command=self.query_one("#command", Input).value.strip(),
            entrypoint=self._initial.entrypoint,
            expose=self._initial.expose,
            labels=self._labels,
        )

    def _problems(self) -> list[Problem]:
        return validate(self.spec(), self._state(), self._images, self._bindable)

    def _show(self, problems: list[Problem]) -> None:
        notes = warnings(self.spec(), self._state())
        for field in Field:
            judged = self._submitted or field in self._touched
            shown = problems_of(problems, field) if judged else []
            told = [f"warning: {w}" for w in problems_of(notes, field)] if judged else []
            self.query_one(f"#{field.value}-problems", Static).update(
                Text("\n".join(shown)) if shown else ""
            )
            self.query_one(f"#{field.value}-warnings", Static).update(
                Text("\n".join(told)) if told else ""
            )

    def _say(self, message: str, *, error: bool = False) -> None:
        engine = self.query_one("#engine", Static)
        engine.set_class(error, "error")
        engine.update(Text(message))

    _FIELD_OF: ClassVar[dict[str, Field]] = {
        "image": Field.IMAGE,
        "name": Field.NAME,
        "mode": Field.MODE,
        "ports": Field.PORTS,
        "publish-all": Field.PORTS,
        "command": Field.COMMAND,
    }

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _changed(self, event: Input.Changed | Select.Changed | Checkbox.Changed) -> None:
        field = self._FIELD_OF.get(event.control.id or "")
        if field is not None and self._ready:
            self._touched.add(field)
            # Judge the form when typing pauses: a problem line appearing and going on
            # every keystroke would make the form jump (and cost a relayout each time).
            if self._judge is not None:
                self._judge.stop()
            self._judge = self.set_timer(JUDGE_AFTER, self._judge_now)

    def _judge_now(self) -> None:
        self._judge = None
        self._show(self._problems())

    @on(Input.Submitted)
    def _submitted_input(self, event: Input.Submitted) -> None:
        """Enter moves to the next field (accepting a completion does not launch); on the
        last field, it launches."""
        event.stop()
        if event.input.id == "command":
            self.action_launch()
        else:
            self.focus_next()

    def action_next_field(self) -> None:
        self.focus_next()

    # sending ---------------------------------------------------------------------

    def action_launch(self) -> None:
        if self._sending or self._created is not None:
            return
        self._submitted = True
        problems = self._problems()
        self._show(problems)
        if problems:
            self._say("Nothing was sent: fix what is shown above.", error=True)
            self.query_one(f"#{problems[0].field.value}").focus()
            return
        self._send(self.spec())

    @work(exclusive=True, group="launcher-send")
    async def _send(self, spec: LaunchSpec) -> None:
        self._sending = True
        self._say(f"creating and starting a container from {spec.image} ...")
        try:
            launched = await create_and_start(self._backend, spec, self._state())
        except StartFailed as exc:
            self._created = exc.launched
            self._say(
                f"{exc.launched.name} was created, but the engine would not start it:\n"
                f"{exc}\n{exc.launched.name} exists now, in state Created. Remove it?",
                error=True,
            )
            self.add_class("start-failed")
            self.query_one("#remove-created", Button).focus()
            return
        except EngineError as exc:
            self._say(f"The engine refused: {exc}\nNothing was created.", error=True)
            return
        finally:
            self._sending = False
        self.dismiss(launched.container_id)

    @work(exclusive=True, group="launcher-send")
    async def _remove_created(self) -> None:
        created = self._created
        if created is None:
            return
        try:
            # Made a moment ago by this form: its anonymous volumes are ours to take too.
            await self._backend.remove_container(created.container_id, force=True, volumes=True)
        except EngineError as exc:
            self._say(f"could not remove {created.name}: {exc}", error=True)
            return
        self.app.notify(f"removed {created.name}", timeout=3)
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        match event.button.id:
            case "launch":
                self.action_launch()
            case "cancel":
                self.action_cancel()
            case "remove-created":
                self._remove_created()
            case "keep-created":
                self.action_keep_created()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("remove_created", "keep_created"):
            return self._created is not None
        return True

    def action_remove_created(self) -> None:
        self._remove_created()

    def action_keep_created(self) -> None:
        if self._created is not None:
            self.dismiss(self._created.container_id)

    def action_cancel(self) -> None:
        if self._sending:
            return
        self.dismiss(self._created.container_id if self._created else None)
