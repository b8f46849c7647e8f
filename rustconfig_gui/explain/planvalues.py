"""Values before and after a plan, computed only where they can differ.

A plan's side effects are the symbols whose value differs between the
configuration planned from and the plan applied to a copy of it.  Every value
is a function of the user input (and the assumed values of outside steps)
through kconfiglib's ``_dependents`` graph, which the evaluator already trusts
to forget values after an edit (``Evaluator.invalidate_from``); so only what
that graph reaches from the input the plan changed can come out different, and
only those values are computed, before and after.  When MODULES is reached
(its value is every tristate's type) every symbol is compared, as before.
"""

from __future__ import annotations

import weakref
from typing import Any

from kconfiglib import Choice, Symbol

from rustconfig_gui.kconfig.loader import LoadedTree
from rustconfig_gui.kconfig.semantics import Evaluator, UserState

_MISSING = object()


# the values of the last configuration planned from, per evaluator: planning many targets
# from one configuration (the overview, the benchmark) computes each of them once
_BEFORE: weakref.WeakKeyDictionary[Any, Before] = weakref.WeakKeyDictionary()


def before_values(lt: LoadedTree) -> Before:
    """:class:`Before` for the configuration ``lt`` has now (the last one's again while it is unchanged)."""
    hit = _BEFORE.get(lt.ev)
    if hit is not None and hit.same_input(lt.ev):
        return hit
    before = _BEFORE[lt.ev] = Before(lt)
    return before


class Before:
    """The values of the configuration planned from, each computed when first asked for,
    in an evaluator of its own that stays in that configuration."""

    def __init__(self, lt: LoadedTree) -> None:
        ev = lt.ev
        self.state = ev.snapshot()
        self.assumed = dict(ev.assumed)
        self.ev = Evaluator(lt.kconf, ev.sem, ev.transitional)
        # starting from the values already computed for this input
        self.ev.restore(self.state, ev.held() if not self.assumed else None)
        for s, v in self.assumed.items():
            self.ev.assume(s, v)

    def same_input(self, ev: Evaluator) -> bool:
        """Does ``ev`` hold the configuration these values are of?"""
        st = self.state
        return (ev.user == st.user and ev.assumed == self.assumed and ev.choice_order == st.choice_order
                and ev.choice_user_sel == st.choice_user_sel and ev.choice_user_tri == st.choice_user_tri)

    def __getitem__(self, sym: Symbol) -> str:
        return self.ev.str_value(sym)

    def get(self, sym: Symbol) -> str | None:
        """The value of a defined symbol, None for any other (as a dict of every defined symbol)."""
        return self.ev.str_value(sym) if sym.nodes and not sym.is_constant else None


def changed_input(ev: Evaluator, start: UserState, start_assumed: dict[Symbol, str]) -> set[Any]:
    """The symbols and choices whose user input or assumed value ``ev`` has other than ``start``."""
    seeds: set[Any] = set()
    was = start.user
    for s, v in ev.user.items():
        if was.get(s, _MISSING) != v:
            seeds.add(s)
    seeds.update(was.keys() - ev.user.keys())
    for s in ev.assumed.keys() | start_assumed.keys():
        if ev.assumed.get(s) != start_assumed.get(s):
            seeds.add(s)
    choices: set[Choice] = set()
    for c, order in ev.choice_order.items():
        if order != start.choice_order.get(c):
            choices.add(c)
    for c in ev.choice_user_sel.keys() | start.choice_user_sel.keys():
        if ev.choice_user_sel.get(c) is not start.choice_user_sel.get(c):
            choices.add(c)
    for c in ev.choice_user_tri.keys() | start.choice_user_tri.keys():
        if ev.choice_user_tri.get(c) != start.choice_user_tri.get(c):
            choices.add(c)
    for c in choices:
        seeds.add(c)
        seeds.update(c.syms)
    return seeds


def reach(lt: LoadedTree, seeds: set[Any]) -> set[Any] | None:
    """Everything whose value can depend on ``seeds``; None when that is every symbol
    (MODULES is reached)."""
    seen = set(seeds)
    work = list(seeds)
    while work:
        for item in work.pop()._dependents:
            if item not in seen:
                seen.add(item)
                work.append(item)
    if lt.kconf.modules in seen:
        return None
    return seen


def may_differ(lt: LoadedTree, start: UserState, start_assumed: dict[Symbol, str]) -> set[Any] | None:
    """The symbols whose value in ``lt.ev`` now can differ from their value in ``start``;
    None when any can."""
    return reach(lt, changed_input(lt.ev, start, start_assumed))
