"""Grouping findings by check, and accepting risks: pure, on hand-made findings and states."""

from __future__ import annotations

import json

import pytest
from audit_states import DEFAULT_BRIDGE, HARDENED, container, state
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.cli.audit import report
from tui.core.audit import (
    RULES,
    RULES_BY_ID,
    Acceptance,
    Finding,
    Scope,
    Severity,
    apply_acceptances,
    assess,
    at_or_above,
    audit,
    by_check,
    check_counts,
    tally,
)
from tui.core.model import Endpoint, PortBinding
from tui.ui.marks import container_marks, header_segments

ON_DOCKER0 = (Endpoint("bridge", "netbridge", "172.17.0.2", 16),)
WIDE = (PortBinding("0.0.0.0", 8080, 80, "tcp", True),)


def fleet(n: int, *extra: object) -> object:
    """``n`` plain containers on docker0 (``app-000``...), a ``ci-runner`` and ``extra``."""
    return state(
        *(container(f"app-{i:03d}", endpoints=ON_DOCKER0) for i in range(n)),
        container("ci-runner-1", endpoints=ON_DOCKER0, ports=WIDE),
        *extra,  # type: ignore[arg-type]
        networks=(DEFAULT_BRIDGE,),
        daemon=HARDENED,
    )


def finding(check: str, severity: Severity, subject: str) -> Finding:
    rule = RULES_BY_ID[check]
    return Finding(check, rule.cis, severity, f"{subject} fails {check}", (subject,),
                   (f"id-{subject}",), rule.why, rule.fix)  # fmt: skip


# Grouping ----------------------------------------------------------------------------


def test_by_check_groups_severity_then_check_keeping_each_subject() -> None:
    found = audit(fleet(37, container("vpn", cap_add=("NET_ADMIN",))))
    groups = by_check(found)
    assert [(g.severity, g.id, len(g.findings)) for g in groups] == [
        (Severity.HIGH, "ND-CAP-ADD", 1),
        (Severity.MEDIUM, "ND-ICC-DEFAULT", 1),
        (Severity.MEDIUM, "ND-PORT-ALL-INTERFACES", 1),
        (Severity.LOW, "ND-DEFAULT-BRIDGE", 38),
    ]
    bridge = groups[-1]
    assert bridge.what == "38 containers on the default bridge"
    assert bridge.subjects[:2] == ("app-000", "app-001") and bridge.subjects[-1] == "ci-runner-1"
    assert groups[0].findings[0].title == "vpn adds NET_ADMIN"  # what is particular stays
    assert [f for g in groups for f in g.findings] == list(found)


def test_a_check_with_two_severities_is_two_groups() -> None:
    found = (
        finding("ND-CAP-ADD", Severity.HIGH, "vpn"),
        finding("ND-CAP-ADD", Severity.LOW, "tool"),
    )
    assert [(g.severity, g.key) for g in by_check(found)] == [
        (Severity.HIGH, "high:ND-CAP-ADD"),
        (Severity.LOW, "low:ND-CAP-ADD"),
    ]


def test_counts_are_checks_with_findings_beside_them() -> None:
    counts = check_counts(audit(fleet(37)))
    assert counts == {
        Severity.CRITICAL: (0, 0),
        Severity.HIGH: (0, 0),
        Severity.MEDIUM: (2, 2),
        Severity.LOW: (1, 38),
        Severity.INFO: (0, 0),
    }
    assert [tally(s, *n) for s, n in counts.items()] == [
        "0 critical", "0 high", "2 medium", "1 low (38)", "0 info",
    ]  # fmt: skip


def test_every_rule_says_what_and_how_many_in_the_singular_and_the_plural() -> None:
    for rule in RULES:
        one, many = rule.counted(1), rule.counted(2)
        assert "{" not in one + many, rule.id
        if "{n}" in rule.what:
            assert one.count("1") >= 1 and "2" in many and one != many.replace("2", "1"), rule.id


# Accepting -----------------------------------------------------------------------------

BRIDGE_CI = Acceptance("ND-DEFAULT-BRIDGE", "CI runners are throwaway", ("ci-runner-*",), "c", 2)
BRIDGE_ALL = Acceptance("ND-DEFAULT-BRIDGE", "docker0 is fine here", (), "c", 3)
WIDE_CI = Acceptance("ND-PORT-ALL-INTERFACES", "the runner's cache is public", ("ci-*",), "c", 4)
GONE = Acceptance("ND-PRIVILEGED", "the old debug box", ("old-dbg",), "c", 5)


def test_accepted_findings_leave_the_counts_the_verdict_and_the_marks() -> None:
    host = fleet(3)
    assessed = assess(host, (WIDE_CI, BRIDGE_CI))
    accepted = {(a.finding.id, a.finding.subjects) for a in assessed.accepted}
    assert accepted == {
        ("ND-PORT-ALL-INTERFACES", ("ci-runner-1",)),
        ("ND-DEFAULT-BRIDGE", ("ci-runner-1",)),
    }
    assert check_counts(assessed.findings)[Severity.MEDIUM] == (1, 1)  # icc only
    assert check_counts(assessed.findings)[Severity.LOW] == (1, 3)
    assert at_or_above(audit(host), Severity.MEDIUM) != ()
    assert {f.id for f in at_or_above(assessed.findings, Severity.MEDIUM)} == {"ND-ICC-DEFAULT"}
    # The runner had a medium mark; accepted, it has none, while the app containers keep theirs.
    assert "id-ci-runner-1" in container_marks((), audit(host))
    marks = container_marks((), assessed.findings)
    assert "id-ci-runner-1" not in marks and "id-app-000" in marks
    header = str(header_segments((), assessed.findings)[1])
    assert header == "audit: 1 medium 1 low (3)"


def test_the_first_acceptance_that_matches_takes_the_finding() -> None:
    assessed = assess(fleet(2), (BRIDGE_CI, BRIDGE_ALL))
    reasons = {a.finding.subjects[0]: a.acceptance.reason for a in assessed.accepted}
    assert reasons == {
        "ci-runner-1": "CI runners are throwaway",
        "app-000": "docker0 is fine here",
        "app-001": "docker0 is fine here",
    }
    assert not any(f.id == "ND-ACCEPT-STALE" for f in assessed.findings)


def test_an_acceptance_that_matches_nothing_is_an_info_finding() -> None:
    assessed = assess(fleet(1), (GONE, BRIDGE_CI))
    stale = [f for f in assessed.findings if f.id == "ND-ACCEPT-STALE"]
    assert len(stale) == 1
    assert (stale[0].severity, stale[0].scope, stale[0].subjects) == (
        Severity.INFO, Scope.CONFIG, ("ND-PRIVILEGED old-dbg",),
    )  # fmt: skip
    assert stale[0].title == "accept ND-PRIVILEGED old-dbg matches nothing (c, line 5)"
    assert "Remove the entry from c, line 5" in stale[0].fix
    # --no-accept: nothing accepted, nothing stale.
    assert assess(fleet(1), ()).findings == audit(fleet(1))


def test_a_daemon_wide_finding_is_accepted_only_by_an_entry_without_subjects() -> None:
    proxy = Finding("ND-USERLAND-PROXY", "2.16", Severity.LOW, "docker-proxy", (), (), "w", "f",
                    scope=Scope.DAEMON)  # fmt: skip
    narrowed = Acceptance("ND-USERLAND-PROXY", "r", ("*",))
    assert not narrowed.matches(proxy)
    assert Acceptance("ND-USERLAND-PROXY", "r").matches(proxy)


def test_json_keeps_one_finding_per_check_and_subject_with_accepted_and_reason() -> None:
    host = fleet(2)
    document = json.loads(json.dumps(assess(host, (BRIDGE_CI, GONE)).to_json()))
    plain = [f.to_json() for f in audit(host)]
    fields = set(plain[0])
    real = [e for e in document if e["id"] != "ND-ACCEPT-STALE"]
    assert [{k: e[k] for k in fields} for e in real] == plain  # same findings, same order
    for entry in document:
        accepted = entry["subjects"] == ["ci-runner-1"] and entry["id"] == "ND-DEFAULT-BRIDGE"
        assert entry["accepted"] is accepted
        assert set(entry) == fields | {"accepted"} | ({"reason"} if accepted else set())
        assert entry.get("reason") == ("CI runners are throwaway" if accepted else None)
        assert entry["subjects"] and "cis" in entry  # every finding names its subjects


def test_the_text_report_lists_ten_subjects_then_names_the_rest() -> None:
    host = fleet(37)
    text = report(host, assess(host, (WIDE_CI, GONE)), width=100).splitlines()
    assert text[0] == (
        "netdock audit of unix:///var/run/docker.sock: checks failed: 0 critical, 0 high, "
        "1 medium, 1 low (38), 1 info; 1 check accepted (1)"
    )
    at = text.index("  ND-DEFAULT-BRIDGE [CIS 5.30] 38 containers on the default bridge")
    assert text[at + 1 : at + 11] == [f"    - app-{i:03d} is on the default bridge"
                                      for i in range(10)]  # fmt: skip
    assert text[at + 11].startswith("    - and 28 more: app-010, app-011, ")
    assert text[-4:] == [
        "ACCEPTED (not counted)",
        "  ND-PORT-ALL-INTERFACES [CIS 5.14] medium: 1 container open on all host interfaces",
        "    accepted: the runner's cache is public",
        "    ci-runner-1",
    ]


# Properties ------------------------------------------------------------------------------

CHECKS = ["ND-DEFAULT-BRIDGE", "ND-CAP-ADD", "ND-NET-HOST", "ND-PORT-ALL-INTERFACES"]
NAMES = ["app-1", "app-2", "ci-runner-1", "ci-runner-22", "edge", "web[1]"]
findings_st = st.lists(
    st.builds(finding, st.sampled_from(CHECKS), st.sampled_from(list(Severity)),
              st.sampled_from(NAMES)),
    unique_by=lambda f: (f.id, f.subjects),
).map(lambda fs: tuple(sorted(fs, key=Finding.sort_key)))  # fmt: skip
acceptances_st = st.lists(
    st.builds(Acceptance, st.sampled_from(CHECKS), st.just("why"),
              st.lists(st.sampled_from(["app-*", "ci-runner-?", "edge", "web[[]1]", "*"]),
                       max_size=2).map(tuple)),
    max_size=4,
).map(tuple)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(findings_st, acceptances_st)
def test_accepting_splits_the_findings_and_reports_what_matched_nothing(
    findings: tuple[Finding, ...], acceptances: tuple[Acceptance, ...]
) -> None:
    assessed = apply_acceptances(findings, acceptances)
    counted = [f for f in assessed.findings if f.id != "ND-ACCEPT-STALE"]
    accepted = [a.finding for a in assessed.accepted]
    assert sorted([*counted, *accepted], key=Finding.sort_key) == list(findings)
    assert all(a.acceptance.matches(a.finding) for a in assessed.accepted)
    assert not any(a.matches(f) for f in counted for a in acceptances)
    used = {id(a.acceptance) for a in assessed.accepted}
    stale = [f for f in assessed.findings if f.id == "ND-ACCEPT-STALE"]
    assert len(stale) == sum(1 for a in acceptances if id(a) not in used)
    # Grouping loses nothing, and the header's counts add up to the findings.
    assert sum(len(g.findings) for g in by_check(assessed.findings)) == len(assessed.findings)
    assert sum(n for _, n in check_counts(assessed.findings).values()) == len(assessed.findings)


@pytest.mark.parametrize("glob", ["ci-runner-*", "web[[]1]", "app-?", "*"])
def test_globs_are_fnmatch_case_sensitive(glob: str) -> None:
    names = ["ci-runner-7", "web[1]", "app-1", "CI-RUNNER-7"]
    matched = [n for n in names if Acceptance("ND-NET-HOST", "r", (glob,)).matches(
        finding("ND-NET-HOST", Severity.HIGH, n))]  # fmt: skip
    expected = {
        "ci-runner-*": ["ci-runner-7"],
        "web[[]1]": ["web[1]"],
        "app-?": ["app-1"],
        "*": names,
    }
    assert matched == expected[glob]
