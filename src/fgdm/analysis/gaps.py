"""The gap analysis (Signs of Safety safety network, the FGDM "village"): where the
support around the child is thin, explained in plain words with a question to ask.

Pure functions over a Snapshot. The snapshot is already filtered for the reader, so a
finding can only name people and worries the reader may see. People are nodes; a tie of
LINKING_CLOSENESS (close or some contact) is an edge. Ties, offers and rule holders that
point at nobody in the snapshot are ignored. Nothing depends on the order of the input:
every choice goes through ids, sets or sorting, and findings come back in one order."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from fgdm.analysis.findings import Finding, FindingCode, Severity, in_order
from fgdm.analysis.snapshot import PersonNode, Snapshot
from fgdm.analysis.wording import describe_times, join_names, need_words, needs_words
from fgdm.i18n import gettext as _
from fgdm.i18n import ngettext
from fgdm.network.vocabulary import (
    ALONE_WITH_CHILD,
    LINKING_CLOSENESS,
    OWN_COMMUNITY_KINDS,
    PROFESSIONAL_KINDS,
    WEEK,
    Closeness,
    Day,
    Need,
    PartOfDay,
    PersonKind,
    Sureness,
)

# The help every child's network is checked for. Other kinds of help (language, money,
# faith...) matter only to some families, so nobody offering them is not a gap; once
# someone offers one, it is checked like the rest (single provider, conflicts, resilience).
CORE_NEEDS = (
    Need.school_run,
    Need.after_school,
    Need.overnight,
    Need.emergency_contact,
    Need.someone_to_talk_to,
)
# Without an emergency contact nobody can be called when something goes wrong today.
SERIOUS_WHEN_UNCOVERED = frozenset({Need.emergency_contact})
# Friends, neighbours and community or faith groups: the family's own people beyond
# relatives (the "village").
BEYOND_THE_FAMILY = OWN_COMMUNITY_KINDS - {PersonKind.family}


class _Root:
    """The one extra node joined to every child while looking for single links."""


_ROOT = _Root()


@dataclass
class _Held:
    """What one person has offered for one need (several offers of one need are merged)."""

    is_sure: bool = False
    slots: set[tuple[Day, PartOfDay]] = field(default_factory=set)


class _Network:
    """The snapshot indexed once per call: people by id, the graph of linking ties,
    conflicts, and offers by person and by need."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.people: dict[int, PersonNode] = {}
        for person in snapshot.people:
            if person.id in self.people:
                raise ValueError(f"person {person.id} is in the snapshot twice")
            self.people[person.id] = person
        self.children = sorted(p.id for p in snapshot.people if p.is_child)
        self.child_area = snapshot.child_area
        self.rules = sorted(snapshot.rules, key=lambda r: r.id)
        self.actions = sorted(snapshot.actions, key=lambda a: a.id)
        self.graph = nx.Graph()
        self.graph.add_nodes_from(self.people)
        self.graph.add_edges_from(
            (t.a, t.b)
            for t in snapshot.ties
            if t.closeness in LINKING_CLOSENESS
            and t.a != t.b
            and t.a in self.people
            and t.b in self.people
        )
        self.conflicts = sorted(
            {
                (min(t.a, t.b), max(t.a, t.b))
                for t in snapshot.ties
                if t.closeness == Closeness.conflict
                and t.a != t.b
                and t.a in self.people
                and t.b in self.people
            }
        )
        self.held: dict[int, dict[Need, _Held]] = defaultdict(dict)
        for offer in snapshot.offers:
            if offer.person_id not in self.people:
                continue
            held = self.held[offer.person_id].setdefault(offer.need, _Held())
            held.is_sure = held.is_sure or offer.sureness == Sureness.yes
            held.slots.update(offer.slots)
        # Cover: offers from people who are not a worry (a worry's offer is not relied on).
        self.providers: dict[Need, list[int]] = {need: [] for need in Need}
        for person_id in sorted(self.held):
            if not self.people[person_id].is_worry:
                for need in self.held[person_id]:
                    self.providers[need].append(person_id)

    def name(self, person_id: int) -> str:
        return self.people[person_id].name

    def by_name(self, ids: Iterable[int]) -> list[int]:
        """Ids in the order a reader expects: by name, then by id for people named alike."""
        return sorted(ids, key=lambda i: (self.people[i].name.casefold(), i))

    def names(self, ids: Iterable[int]) -> str:
        return join_names([self.name(i) for i in self.by_name(ids)])

    def children_words(self, ids: Collection[int] | None = None) -> str:
        """The children by name, or 'the children' while none is in the network yet."""
        chosen = self.children if ids is None else ids
        if not chosen:
            return _("the children")
        return self.names(chosen)

    def is_trusted_kind(self, person_id: int) -> bool:
        """Could be a trusted adult: not a child, not a worry, not a professional."""
        person = self.people[person_id]
        return not (person.is_child or person.is_worry or person.kind in PROFESSIONAL_KINDS)

    def trusted_of(self, child_id: int) -> frozenset[int]:
        return frozenset(a for a in self.graph.adj[child_id] if self.is_trusted_kind(a))


def _finding(
    code: FindingCode,
    severity: Severity,
    people: Iterable[int],
    explanation: list[str],
    question: str,
    need: Need | None = None,
    rule_id: int | None = None,
    action_id: int | None = None,
) -> Finding:
    return Finding(
        code=code,
        severity=severity,
        people=tuple(sorted(set(people))),
        explanation=" ".join(explanation),
        question=question,
        need=need,
        rule_id=rule_id,
        action_id=action_id,
    )


def _too_few_trusted(net: _Network, minimum: int) -> list[Finding]:
    """A trusted adult is not a child, not a worry and not a professional (Signs of Safety:
    the safety network is family, friends and community), with a close or some-contact tie
    to a child. Each child needs enough of them, so children are checked one by one;
    brothers and sisters with the same trusted adults share one finding. Serious with none
    or one, a warning below the minimum."""
    if not net.children:
        groups: dict[frozenset[int], list[int]] = {frozenset(): []}
    else:
        groups = defaultdict(list)
        for child in net.children:
            groups[net.trusted_of(child)].append(child)
    findings = []
    for trusted, children in groups.items():
        count = len(trusted)
        if count >= minimum:
            continue
        who = net.children_words(children)
        if count == 0:
            first = _("No adult from the family, friends or community is close to %(children)s.")
            first %= {"children": who}
        else:
            first = ngettext(
                "Only %(count)s adult from the family, friends or community is close to "
                "%(children)s: %(names)s.",
                "Only %(count)s adults from the family, friends or community are close to "
                "%(children)s: %(names)s.",
                count,
            ) % {"count": count, "children": who, "names": net.names(trusted)}
        need = ngettext(
            "A safety network needs at least %(minimum)s person like this.",
            "A safety network needs at least %(minimum)s people like this.",
            minimum,
        ) % {"minimum": minimum}
        findings.append(
            _finding(
                FindingCode.too_few_trusted_adults,
                Severity.serious if count <= 1 else Severity.warning,
                {*children, *trusted},
                [first, need],
                _("Who else could %(children)s turn to and feel safe with?") % {"children": who},
            )
        )
    return findings


def _cut_off_by_each_person(net: _Network) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """For each person who is not a child: the people linked to a child now who would be
    linked to no child without them; and for each person, the children in their part of
    the network.

    One depth-first search from an extra root joined to every child (Tarjan's low-link):
    a tree child v of u whose subtree reaches nothing above u hangs on u alone, so u is an
    articulation point for it. This is linear, so 5,000 people cost milliseconds. Bridges
    need no search of their own: when one tie is the only way to some people, the person at
    its near end cuts them off too; if that end is a child, the person at the far end cuts
    off everyone behind them, and only that one person is left unsaid."""
    graph = net.graph
    graph.add_edges_from((_ROOT, child) for child in net.children)
    is_child = {i: p.is_child for i, p in net.people.items()}
    discovered: dict[object, int] = {}
    low: dict[object, int] = {}
    parent: dict[object, object] = {}
    top: dict[object, object] = {}  # the child-side part of the network a person is in
    preorder: list[Any] = []  # people, after the root
    lost: dict[int, list[int]] = defaultdict(list)
    try:
        for u, v, direction in nx.dfs_labeled_edges(graph, source=_ROOT):
            if direction == "forward":
                discovered[v] = low[v] = len(preorder)
                preorder.append(v)
                parent[v] = u
                top[v] = v if u is _ROOT else top[u]
            elif direction == "nontree":
                if v != parent[u] and discovered[v] < low[u]:
                    low[u] = discovered[v]
            elif direction == "reverse" and v is not _ROOT:
                if low[v] < low[u]:
                    low[u] = low[v]
                if u is not _ROOT and not is_child[u] and low[v] >= discovered[u]:
                    # v's subtree is everything found since v, as v has just finished.
                    lost[u].extend(preorder[discovered[v] :])
    finally:
        graph.remove_node(_ROOT)
    children_in: dict[object, list[int]] = defaultdict(list)
    for child in net.children:
        children_in[top[child]].append(child)
    children_near = {p: children_in[top[p]] for p in lost}
    return lost, children_near


def _single_links(net: _Network) -> list[Finding]:
    """A person through whom the children's only links to others pass (an articulation point
    of the linking ties, with the children's side as one): without them, those others are
    linked to no child. A child is never counted as the link, and someone cut off from one
    child but still linked to a brother or sister is not lost."""
    if not net.children:
        return []
    lost, children_near = _cut_off_by_each_person(net)
    findings = []
    for person_id, others in lost.items():
        values = {
            "name": net.name(person_id),
            "children": net.children_words(children_near[person_id]),
            "others": net.names(others),
        }
        findings.append(
            _finding(
                FindingCode.single_link,
                Severity.warning,
                {person_id, *others},
                [
                    _("Only %(name)s links %(children)s to %(others)s.") % values,
                    _("If %(name)s could not help, %(children)s would lose touch with them.")
                    % values,
                ],
                _("Who else could %(children)s turn to if %(name)s was ill?") % values,
            )
        )
    return findings


def _needs(net: _Network) -> list[Finding]:
    """Per need: nobody covers a core need (need_uncovered; offers from a worry do not
    count), or one person covers it (need_single_provider: a warning for a core need, else
    information), or everyone who offers it said "maybe" (need_not_sure). A "maybe" still
    counts as cover, but the finding says so."""
    findings = []
    for need in Need:
        providers = net.providers[need]
        words = need_words(need)
        ask = _("Who else could help with %(need)s if %(name)s was ill or away?")
        if not providers and need in CORE_NEEDS:
            explanation = [_("Nobody has said they can help with %(need)s yet.") % {"need": words}]
            if any(need in net.held[p] for p in net.held):
                explanation.append(_("Offers from people there are worries about do not count."))
            findings.append(
                _finding(
                    FindingCode.need_uncovered,
                    Severity.serious if need in SERIOUS_WHEN_UNCOVERED else Severity.warning,
                    (),
                    explanation,
                    _("Who could help with %(need)s if it was needed?") % {"need": words},
                    need=need,
                )
            )
        elif len(providers) == 1:
            (only,) = providers
            values = {"name": net.name(only), "need": words}
            explanation = [
                _("Only %(name)s has offered %(need)s.") % values,
                _("If %(name)s could not do it, nobody else would.") % values,
            ]
            if not net.held[only][need].is_sure:
                explanation.append(_("%(name)s is not sure yet.") % values)
            findings.append(
                _finding(
                    FindingCode.need_single_provider,
                    Severity.warning if need in CORE_NEEDS else Severity.info,
                    providers,
                    explanation,
                    ask % values,
                    need=need,
                )
            )
        elif providers and not any(net.held[p][need].is_sure for p in providers):
            values = {"names": net.names(providers), "need": words}
            findings.append(
                _finding(
                    FindingCode.need_not_sure,
                    Severity.info,
                    providers,
                    [_("%(names)s might help with %(need)s, but nobody is sure yet.") % values],
                    _("What would help %(names)s to say for sure?") % values,
                    need=need,
                )
            )
    return findings


def _times_uncovered(net: _Network) -> list[Finding]:
    """Times of the week when nobody who offers help (and is not a worry) is free. Only
    once someone who can help has said when they are free: before that the grid is empty
    because nobody has filled it in, not because nobody is there."""
    free: set[tuple[Day, PartOfDay]] = set()
    for person_id, held in net.held.items():
        if not net.people[person_id].is_worry:
            for offer in held.values():
                free |= offer.slots
    if not free:
        return []
    missing = [slot for slot in WEEK if slot not in free]
    if not missing:
        return []
    return [
        _finding(
            FindingCode.time_uncovered,
            Severity.warning,
            (),
            [
                _("Nobody who has offered help is free at these times: %(times)s.")
                % {"times": describe_times(missing)}
            ],
            _("Who could be there for %(children)s at these times?")
            % {"children": net.children_words()},
        )
    ]


def _overloaded(net: _Network, overload_at: int) -> list[Finding]:
    """One person (not a worry: their offers are not relied on) offering overload_at or more
    different kinds of help: if they stop, many things stop at once."""
    findings = []
    for person_id, held in net.held.items():
        if net.people[person_id].is_worry or len(held) < overload_at:
            continue
        values = {"name": net.name(person_id), "count": len(held), "needs": needs_words(held)}
        findings.append(
            _finding(
                FindingCode.overloaded,
                Severity.warning,
                (person_id,),
                [
                    ngettext(
                        "%(name)s has offered %(count)s kind of help: %(needs)s.",
                        "%(name)s has offered %(count)s kinds of help: %(needs)s.",
                        len(held),
                    )
                    % values,
                    _("That is a lot for one person."),
                ],
                _("Who could share some of this with %(name)s?") % values,
            )
        )
    return findings


def _worries_in_safety_roles(net: _Network) -> list[Finding]:
    """A person who is a worry and is in the safety network, or has offered help that means
    being alone with the child (ALONE_WITH_CHILD). Always serious."""
    findings = []
    for person in net.people.values():
        if not person.is_worry:
            continue
        alone = [need for need in net.held.get(person.id, {}) if need in ALONE_WITH_CHILD]
        if not alone and not person.in_safety_network:
            continue
        values = {
            "name": person.name,
            "children": net.children_words(),
            "needs": needs_words(alone),
        }
        explanation = [_("There are worries about %(name)s.") % values]
        if alone:
            explanation.append(
                _("%(name)s has offered help that means being alone with %(children)s: %(needs)s.")
                % values
            )
        if person.in_safety_network:
            explanation.append(_("%(name)s is in the safety network.") % values)
        findings.append(
            _finding(
                FindingCode.worry_in_safety_role,
                Severity.serious,
                (person.id,),
                explanation,
                _("Who else could do this, until the worries about %(name)s are sorted out?")
                % values,
            )
        )
    return findings


def _kinds_of_people(net: _Network) -> list[Finding]:
    """Who the helpers are: the adults who are not a worry. only_professionals when none of
    them is of the family's own community (family, friends, neighbours, community); else
    no_own_community when they are only relatives and professionals, with no friend,
    neighbour or community or faith group (the village beyond the family). The two never
    come together: with every kind either professional or own-community, "nobody of the
    own community" would say the same as "only professionals"."""
    adults = [p for p in net.people.values() if not p.is_child and not p.is_worry]
    if not adults:
        return []
    if not any(p.kind in OWN_COMMUNITY_KINDS for p in adults):
        return [
            _finding(
                FindingCode.only_professionals,
                Severity.warning,
                [p.id for p in adults],
                [
                    _("Everyone who can help is a professional: %(names)s.")
                    % {"names": net.names(p.id for p in adults)},
                    _("Children are safer with family, friends and neighbours around them too."),
                ],
                _("Who in the family, or among friends and neighbours, could help?"),
            )
        ]
    if not any(p.kind in BEYOND_THE_FAMILY for p in adults):
        return [
            _finding(
                FindingCode.no_own_community,
                Severity.info,
                (),
                [
                    _("Everyone who can help is family or a professional."),
                    _("No friends, neighbours, or people from a community or faith group yet."),
                ],
                _(
                    "Are there friends, neighbours, or people from a community or faith group "
                    "who could help?"
                ),
            )
        ]
    return []


def _same_area(area: str) -> str:
    """Areas compared without case or spaces: "LE4 6" is "le46"."""
    return "".join(area.split()).casefold()


def _nobody_near(net: _Network) -> list[Finding]:
    """No trusted adult lives in the children's area (skipped while that is unknown). The
    area itself is not named, so the finding never tells anyone where the children live."""
    home = _same_area(net.child_area)
    if not home:
        return []
    trusted = {a for child in net.children for a in net.trusted_of(child)}
    if any(_same_area(net.people[a].area) == home for a in trusted):
        return []
    who = {"children": net.children_words()}
    return [
        _finding(
            FindingCode.nobody_near,
            Severity.warning,
            (),
            [
                _("None of the adults close to %(children)s lives near them.") % who,
                _("In an emergency, someone nearby can get there quickly."),
            ],
            _("Who lives near %(children)s and could come quickly in an emergency?") % who,
        )
    ]


def _conflicts_in_needs(net: _Network) -> list[Finding]:
    """Two people with a conflict tie who both offer the same help: one finding per pair,
    with the need set when they share exactly one."""
    findings = []
    for a, b in net.conflicts:
        shared = set(net.held.get(a, {})) & set(net.held.get(b, {}))
        if not shared:
            continue
        first, second = net.by_name((a, b))
        values = {
            "first": net.name(first),
            "second": net.name(second),
            "needs": needs_words(shared),
            "children": net.children_words(),
        }
        findings.append(
            _finding(
                FindingCode.conflict_in_need,
                Severity.warning,
                (a, b),
                [
                    _("%(first)s and %(second)s do not get on, and both have offered %(needs)s.")
                    % values,
                    _("Arguments between them could be hard for %(children)s.") % values,
                ],
                _(
                    "How could %(first)s and %(second)s share this without arguing in front "
                    "of %(children)s?"
                )
                % values,
                need=next(iter(shared)) if len(shared) == 1 else None,
            )
        )
    return findings


def _rules_without_person(net: _Network) -> list[Finding]:
    """A safety plan rule with nobody responsible (a warning), or only people who are a
    worry (serious: the rule depends on the person it should keep the child safe from)."""
    findings = []
    for rule in net.rules:
        holders = sorted(i for i in rule.responsible_ids if i in net.people)
        ask = _("Who will make sure this rule happens?")
        if not holders:
            explanation = _("Nobody is named to make this rule happen: “%(rule)s”.") % {
                "rule": rule.text
            }
            findings.append(
                _finding(
                    FindingCode.rule_without_person,
                    Severity.warning,
                    (),
                    [explanation],
                    ask,
                    rule_id=rule.id,
                )
            )
        elif all(net.people[i].is_worry for i in holders):
            explanation = _(
                "The only people named for this rule are people there are worries about "
                "(%(names)s): “%(rule)s”."
            ) % {"names": net.names(holders), "rule": rule.text}
            findings.append(
                _finding(
                    FindingCode.rule_without_person,
                    Severity.serious,
                    holders,
                    [explanation],
                    ask,
                    rule_id=rule.id,
                )
            )
    return findings


def _actions_without_person(net: _Network) -> list[Finding]:
    """A family plan action with nobody to do it (a warning), or only people who are a
    worry (serious: the plan leans on someone the children need to be kept safe from)."""
    findings = []
    for action in net.actions:
        doers = sorted(i for i in action.doer_ids if i in net.people)
        ask = _("Who will do this?")
        if not doers:
            explanation = _("Nobody is named to do this in our plan: “%(action)s”.") % {
                "action": action.text
            }
            findings.append(
                _finding(
                    FindingCode.action_without_person,
                    Severity.warning,
                    (),
                    [explanation],
                    ask,
                    action_id=action.id,
                )
            )
        elif all(net.people[i].is_worry for i in doers):
            explanation = _(
                "The only people named to do this are people there are worries about "
                "(%(names)s): “%(action)s”."
            ) % {"names": net.names(doers), "action": action.text}
            findings.append(
                _finding(
                    FindingCode.action_without_person,
                    Severity.serious,
                    doers,
                    [explanation],
                    _("Who else could do this, so the children are safe?"),
                    action_id=action.id,
                )
            )
    return findings


def plan_action_gaps(snapshot: Snapshot) -> list[Finding]:
    """Only the findings about the family plan's actions (for the plan page)."""
    return in_order(_actions_without_person(_Network(snapshot)))


def _safety_network_without_the_story(net: _Network) -> list[Finding]:
    """People in the safety network who have not seen the words-and-pictures story, so may
    not know what the worries are or tell the children the same story (a warning, one
    finding naming them all). Children and people who are a worry are left to other rules."""
    unaware = [
        p.id
        for p in net.people.values()
        if p.in_safety_network and not p.knows_the_worries and not p.is_child and not p.is_worry
    ]
    if not unaware:
        return []
    values = {"names": net.names(unaware), "children": net.children_words()}
    explanation = (
        ngettext(
            "%(names)s is in the safety network but has not seen the words-and-pictures story "
            "yet, so may not know what the worries are.",
            "%(names)s are in the safety network but have not seen the words-and-pictures story "
            "yet, so may not know what the worries are.",
            len(unaware),
        )
        % values
    )
    return [
        _finding(
            FindingCode.does_not_know_the_worries,
            Severity.warning,
            unaware,
            [explanation],
            _(
                "When could %(names)s see the story, so that everyone tells %(children)s the "
                "same thing?"
            )
            % values,
        )
    ]


def find_gaps(
    snapshot: Snapshot, *, minimum_trusted: int = 5, overload_at: int = 4
) -> list[Finding]:
    """Every gap in the network, serious first, then by code and people."""
    net = _Network(snapshot)
    return in_order(
        [
            *_too_few_trusted(net, minimum_trusted),
            *_single_links(net),
            *_needs(net),
            *_times_uncovered(net),
            *_overloaded(net, overload_at),
            *_worries_in_safety_roles(net),
            *_kinds_of_people(net),
            *_nobody_near(net),
            *_conflicts_in_needs(net),
            *_rules_without_person(net),
            *_actions_without_person(net),
            *_safety_network_without_the_story(net),
        ]
    )


def resilience(snapshot: Snapshot) -> dict[Need, int]:
    """Per need, how many people would have to drop out before nobody covers it: the number
    of people (not a worry) who offer it, "maybe" included, as each covers it on their own.
    0 means nobody covers it now."""
    people = {p.id: p for p in snapshot.people}
    covering: dict[Need, set[int]] = {need: set() for need in Need}
    for offer in snapshot.offers:
        person = people.get(offer.person_id)
        if person is not None and not person.is_worry:
            covering[offer.need].add(person.id)
    return {need: len(ids) for need, ids in covering.items()}


def linked_to_children(snapshot: Snapshot) -> frozenset[int]:
    """Everyone joined to a child by a path of close or some-contact ties (children too)."""
    net = _Network(snapshot)
    linked: set[int] = set()
    for child in net.children:
        if child not in linked:
            linked |= nx.node_connected_component(net.graph, child)
    return frozenset(linked)
