"""The network security audit: CIS Docker Benchmark v1.6.0 checks, and some of ours. Pure.

Each check reads the model (containers, networks) and what is known of the
daemon and the host, and returns ``Finding``s: one per check and subject, so
a script can tell which container fails which check, and a finding on a
container that is not running says it will apply once the container starts
(Docker Bench looks at running containers only). A fact we do not know (a
remote engine's flags) yields no finding rather than a guess.

The package, by idea: ``finding`` (the vocabulary), ``catalogue`` (the checks'
ids, why and fix), ``daemon``, ``networks`` and ``containers`` (the checks per
scope, over the ``view`` of the state they share), ``run`` (every check over a
state), ``grouping`` (by check, counting) and ``accept`` (the risks a team
accepted, taken out of the counts).
"""

from tui.core.audit.accept import (
    Acceptance,
    Accepted,
    Assessment,
    apply_acceptances,
    assess,
    check_problem,
    glob_problem,
)
from tui.core.audit.catalogue import RULES, RULES_BY_ID
from tui.core.audit.finding import Finding, Rule, Scope, Severity
from tui.core.audit.grouping import (
    CheckGroup,
    at_or_above,
    by_check,
    check_counts,
    findings_by_container,
    tally,
)
from tui.core.audit.run import AuditMemo, audit

__all__ = [
    "RULES",
    "RULES_BY_ID",
    "Acceptance",
    "Accepted",
    "Assessment",
    "AuditMemo",
    "CheckGroup",
    "Finding",
    "Rule",
    "Scope",
    "Severity",
    "apply_acceptances",
    "assess",
    "at_or_above",
    "audit",
    "by_check",
    "check_counts",
    "check_problem",
    "findings_by_container",
    "glob_problem",
    "tally",
]
