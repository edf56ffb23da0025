"""The security tab: severity -> check -> its subjects, and the accepted risks apart.

Each severity opens on one line per check that fired, saying what and how many
(``ND-DEFAULT-BRIDGE · 37 containers on the default bridge``); a check opens to
its subjects, each line keeping what is particular to it (the bindings, the
capabilities). Checks start folded: however many containers fail them, the first
screen shows every check that fired, since there are at most a few dozen checks
(the catalogue's, by severity) and a fold costs one line. Accepted risks are kept
out of the counts, in a folded group of their own that shows each one's reason.

With several engines in view, each engine is a branch of its own (audited alone:
two hosts may each bind 8080), opening on its severities, and the summary has a line
per engine.

The tree is updated by key, never cleared and refilled (see ``KeyedTree``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static, Tree

from tui.core.audit import (
    Acceptance,
    Assessment,
    CheckGroup,
    Finding,
    Severity,
    assess,
    by_check,
    check_counts,
    tally,
)
from tui.core.state import HostState
from tui.ui.engines import EngineState
from tui.ui.marks import SEVERITY_STYLE
from tui.ui.widgets.keyed_tree import KeyedTree, Spec

NAMED_ON_THE_CHECK_LINE = 3
"""A check with this many subjects or fewer names them on its own line."""
NAMED_IN_THE_PANE = 12
ACCEPTED = "accepted"


@dataclass(frozen=True, slots=True)
class Item:
    """What a tree node stands for: a severity, a check, or one finding of a check."""

    severity: Severity | None
    """None on the accepted group."""
    group: CheckGroup | None = None
    finding: Finding | None = None
    engine: int = 0
    """The index of the engine it was found on."""


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


FLAGS_UNREADABLE = "the --iptables and --userland-proxy checks are skipped"


def summary_text(assessment: Assessment, state: HostState, flags_note: bool = True) -> Text:
    text = Text()
    if not state.known:
        text.append(NOT_KNOWN, style="yellow")
        return text
    counts = check_counts(assessment.findings)
    if not assessment.findings:
        text.append("No findings.", style="green")
    else:
        text.append("checks failed: ", style="bold")
        for i, (severity, (checks, found)) in enumerate(counts.items()):
            text.append(" · " if i else "")
            style = SEVERITY_STYLE[severity] if checks else "dim"
            text.append(tally(severity, checks, found), style=style)
    if assessment.accepted:
        accepted = by_check(a.finding for a in assessment.accepted)
        text.append(
            f"  accepted: {_plural(len(accepted), 'check')} ({len(assessment.accepted)}), "
            "folded below",
            style="dim",
        )
    if flags_note and _flags_unreadable(state):
        text.append(f"\ndockerd's flags are not readable here: {FLAGS_UNREADABLE}.", style="dim")
    return text


def _flags_unreadable(state: HostState) -> bool:
    return state.engine is not None and not state.daemon.config_read


def engines_summary(audited: Sequence[tuple[EngineState, Assessment]]) -> Text:
    """A line per engine, its name first; one note for the engines whose flags are unread."""
    text = Text()
    width = max((len(engine.label) for engine, _ in audited), default=0)
    for i, (engine, assessment) in enumerate(audited):
        text.append("\n" if i else "")
        text.append(f"{engine.label:<{width}}  ", style="bold")
        text.append_text(summary_text(assessment, engine.state, flags_note=False))
    unread = [engine.label for engine, _ in audited if _flags_unreadable(engine.state)]
    if unread:
        text.append(
            f"\ndockerd's flags are not readable for {', '.join(unread)}: {FLAGS_UNREADABLE} "
            "there.",
            style="dim",
        )
    return text


def severity_label(severity: Severity, groups: list[CheckGroup]) -> Text:
    found = sum(len(g.findings) for g in groups)
    return Text.assemble(
        (severity.label.upper(), SEVERITY_STYLE[severity]),
        f"  {_plural(len(groups), 'check')} · {_plural(found, 'finding')}",
    )


def check_label(group: CheckGroup) -> Text:
    text = Text()
    if group.reason is not None:
        text.append(f"{group.severity.label} ", style=SEVERITY_STYLE[group.severity])
    text.append(group.id, style="bold")
    text.append(f" · {group.what}")
    subjects = group.subjects
    if subjects and len(group.findings) <= NAMED_ON_THE_CHECK_LINE:
        text.append(f": {', '.join(subjects)}")
    if group.reason is not None:
        text.append(f" · accepted: {group.reason}", style="italic dim")
    return text


def finding_label(f: Finding) -> Text:
    text = Text(f.title)
    if f.applies_when_started:
        text.append(" · when started", style="italic dim")
    return text


def _reference(f: Finding | CheckGroup) -> str:
    cis = f.rule.cis if isinstance(f, CheckGroup) else f.cis
    return f"{f.id} · {f'CIS {cis}' if cis else 'not in CIS'}"


def finding_detail(f: Finding, accepted: Acceptance | None = None) -> Text:
    """The whole finding, wrapped, for the pane under the tree."""
    text = Text()
    text.append(f.severity.label.upper(), style=SEVERITY_STYLE[f.severity])
    text.append(f"  {f.title}\n", style="bold")
    text.append(_reference(f), style="dim")
    if f.subjects:
        text.append(f" · {f.scope.value}: {', '.join(f.subjects)}", style="dim")
    if f.applies_when_started:
        text.append(" · applies when started", style="italic dim")
    text.append("\n")
    _accepted_line(text, accepted)
    text.append("why ", style="bold")
    text.append(f"{f.why}\n")
    text.append("fix ", style="bold")
    text.append(f.fix)
    return text


NOT_KNOWN = "Findings unknown: waiting for the engine's answer."


def check_detail(group: CheckGroup, accepted: Acceptance | None = None) -> Text:
    """The check, its why and fix, and whom it concerns, for the pane under the tree."""
    rule = group.rule
    text = Text()
    text.append(group.severity.label.upper(), style=SEVERITY_STYLE[group.severity])
    text.append(f"  {rule.title}\n", style="bold")
    text.append(f"{_reference(group)} · {group.what}", style="dim")
    subjects = group.subjects
    if subjects:
        named = ", ".join(subjects[:NAMED_IN_THE_PANE])
        more = len(subjects) - NAMED_IN_THE_PANE
        text.append(f": {named}{f' and {more} more' if more > 0 else ''}", style="dim")
    text.append("\n")
    _accepted_line(text, accepted)
    whys = list(dict.fromkeys(f.why for f in group.findings))
    text.append("why ", style="bold")
    text.append(f"{whys[0] if len(whys) == 1 else rule.why}\n")
    text.append("fix ", style="bold")
    text.append(group.findings[0].fix)
    return text


def _accepted_line(text: Text, accepted: Acceptance | None) -> None:
    if accepted is not None:
        text.append("accepted ", style="bold")
        text.append(f"{accepted.reason} ", style="italic")
        text.append(f"({accepted.where})\n", style="dim")


def _check_spec(group: CheckGroup, engine: int) -> Spec[Item]:
    return Spec(
        group.key,
        check_label(group),
        Item(group.severity, group, engine=engine),
        tuple(
            Spec(f.key, finding_label(f), Item(group.severity, group, f, engine), leaf=True)
            for f in group.findings
        ),
    )


def engine_spec(engine: EngineState, assessment: Assessment) -> Spec[Item]:
    """An engine's branch: its name and counts, open on its severities."""
    label = Text(engine.label, style="bold")
    if not engine.state.known:
        label.append("  unknown: waiting for the engine's answer", style="yellow")
    elif assessment.findings:
        checks = len(by_check(assessment.findings))
        found = len(assessment.findings)
        label.append(f"  {_plural(checks, 'check')} · {_plural(found, 'finding')}")
    else:
        label.append("  no findings", style="green")
    children = tuple(tree_specs(assessment, engine.index))
    return Spec(f"engine-{engine.index}", label, Item(None, engine=engine.index), children, True)


def tree_specs(assessment: Assessment, engine: int = 0) -> list[Spec[Item]]:
    """The tree as it should be: severities open, checks folded, the accepted group folded."""
    groups = by_check(assessment.findings)
    specs = []
    for severity in sorted(Severity, reverse=True):
        mine = [g for g in groups if g.severity is severity]
        if mine:
            specs.append(
                Spec(
                    severity.label,
                    severity_label(severity, mine),
                    Item(severity, engine=engine),
                    tuple(_check_spec(g, engine) for g in mine),
                    expand=True,
                )
            )
    if assessment.accepted:
        accepted = by_check((a.finding for a in assessment.accepted), assessment.reasons())
        found = len(assessment.accepted)
        label = Text.assemble(
            ("ACCEPTED", "bold dim"),
            f"  {_plural(len(accepted), 'check')} · {_plural(found, 'finding')}, not counted",
        )
        checks = tuple(_check_spec(g, engine) for g in accepted)
        specs.append(Spec(ACCEPTED, label, Item(None, engine=engine), checks))
    return specs


class SecurityTab(Vertical):
    """Findings by severity and check; the app calls ``show_state`` (one engine) or
    ``show_states`` (several) on every state it repaints."""

    DEFAULT_CSS = """
    SecurityTab #security-summary { height: auto; padding: 0 1; }
    SecurityTab Tree { height: 1fr; }
    SecurityTab #finding-detail {
        height: auto; max-height: 40%; border-top: solid $primary-darken-2;
        padding: 0 1; overflow-y: auto;
    }
    """

    def __init__(
        self, accept: tuple[Acceptance, ...] = (), several: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.accept = accept
        """The accepted risks (none under ``--no-accept``)."""
        self._several = several
        self._audited: list[tuple[EngineState, Assessment]] = []

    @property
    def assessment(self) -> Assessment:
        """The assessment of the first engine shown (the one, with one engine)."""
        return self._audited[0][1] if self._audited else Assessment(())

    @property
    def findings(self) -> tuple[Finding, ...]:
        """The findings that count (not accepted), of every engine shown."""
        return tuple(f for _, assessment in self._audited for f in assessment.findings)

    def compose(self) -> ComposeResult:
        yield Static(id="security-summary")
        tree: KeyedTree[Item] = KeyedTree("findings", id="findings-tree")
        tree.show_root = False
        tree.guide_depth = 3
        yield tree
        yield Static(id="finding-detail")

    def on_mount(self) -> None:
        self.query_one("#security-summary", Static).update(self._summary())
        self._show_detail()

    def _summary(self) -> Text:
        if not self._several:
            state = self._audited[0][0].state if self._audited else HostState()
            return summary_text(self.assessment, state)
        return engines_summary(self._audited)

    @property
    def findings_tree(self) -> KeyedTree[Item]:
        return self.query_one("#findings-tree", KeyedTree)

    def show_state(self, state: HostState, assessment: Assessment | None = None) -> None:
        """Bring the tree in line with the findings of ``state``, in place: its
        ``assessment`` when the caller has it already, else the tab's own audit of it."""
        self.show_states([EngineState(0, "", state)], [assessment])

    def show_states(
        self,
        shown: Sequence[EngineState],
        assessments: Sequence[Assessment | None] | None = None,
    ) -> None:
        """Each engine's findings on their own (its assessment when the caller has it
        already, else the tab's own audit); the tree in line with them."""
        given = assessments if assessments is not None else [None] * len(shown)
        # Until an engine has answered in full there is nothing to audit, not "no findings".
        audited = [
            (
                engine,
                known
                if known is not None
                else assess(engine.state if engine.state.known else HostState(), self.accept),
            )
            for engine, known in zip(shown, given, strict=True)
        ]
        before = [(e.index, e.label, e.state.known, a) for e, a in self._audited]
        self._audited = audited
        self.query_one("#security-summary", Static).update(self._summary())
        if [(e.index, e.label, e.state.known, a) for e, a in audited] == before:
            return
        if self._several:
            self.findings_tree.sync([engine_spec(e, a) for e, a in audited])
        else:
            self.findings_tree.sync(tree_specs(self.assessment))
        self._show_detail()

    # detail ---------------------------------------------------------------------

    def _show_detail(self) -> None:
        node = self.findings_tree.cursor_node
        item = node.data if node is not None else None
        detail = self.query_one("#finding-detail", Static)
        shown: Text | None = None
        if item is not None and item.group is not None:
            accepted = self._acceptance(item.engine, item.finding or item.group.findings[0])
            if item.finding is not None:
                shown = finding_detail(item.finding, accepted)
            else:
                shown = check_detail(item.group, accepted)
        detail.update(shown or "")
        detail.display = shown is not None

    def _acceptance(self, engine: int, f: Finding) -> Acceptance | None:
        accepted = (a for e, assessment in self._audited if e.index == engine
                    for a in assessment.accepted)  # fmt: skip
        return next((a.acceptance for a in accepted if a.finding == f), None)

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[Item]) -> None:
        event.stop()
        self._show_detail()

    @property
    def selected(self) -> Finding | None:
        """The finding under the cursor (or, on a check's line, its first)."""
        node = self.findings_tree.cursor_node
        item = node.data if node is not None else None
        if item is None or item.group is None:
            return None
        return item.finding or item.group.findings[0]
