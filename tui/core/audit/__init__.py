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
state) and ``grouping`` (counting findings).
"""

from tui.core.audit.catalogue import RULES, RULES_BY_ID
from tui.core.audit.finding import Finding, Rule, Scope, Severity
from tui.core.audit.grouping import at_or_above, findings_by_container, severity_counts
from tui.core.audit.run import audit

__all__ = [
    "RULES",
    "RULES_BY_ID",
    "Finding",
    "Rule",
    "Scope",
    "Severity",
    "at_or_above",
    "audit",
    "findings_by_container",
    "severity_counts",
]
