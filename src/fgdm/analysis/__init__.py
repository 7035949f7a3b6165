"""Gap analysis of the network around the child (networkx): plain data in, findings out."""

from fgdm.analysis.findings import Finding, FindingCode, Severity
from fgdm.analysis.gaps import CORE_NEEDS, find_gaps, plan_action_gaps, resilience
from fgdm.analysis.snapshot import Offer, PersonNode, PlanAction, Rule, Snapshot, Tie
from fgdm.analysis.whatif import WhatIf, what_if, without

__all__ = [
    "CORE_NEEDS",
    "Finding",
    "FindingCode",
    "Offer",
    "PersonNode",
    "PlanAction",
    "Rule",
    "Severity",
    "Snapshot",
    "Tie",
    "WhatIf",
    "find_gaps",
    "plan_action_gaps",
    "resilience",
    "what_if",
    "without",
]
