"""Named rules — "may this person do this to this record now?" — the mechanism.

A `Rule` has two halves:
- `who`: a predicate of the person and the record, built with django-rules and composed with
  `&`, `|` and `~` ("the project's sponsor, within their approval limit");
- `when`: conditions of the record alone, each saying why it does not hold now ("the project
  is closed: its records are read-only").

One name answers everywhere: `allows(user, name, obj)` decides; `require(user, name, obj)`
raises the refusal that says why — `when` first, so a closed project answers 409 with its
reason to everyone, then `who` (403); `permission(name)` is the rule as a django-fsm
`permission=`; `rule(name).q(user)` is the rule as a queryset filter, when its parts have one
(`Fact` and `Condition` carry their filter beside their test, so the two cannot disagree).
Rules are also registered as django-rules permissions, so `user.has_perm("projects.<name>",
obj)` answers too — except that Django lets a superuser pass every `has_perm`, which is why
Tollgate's own code asks `allows`.

The rules themselves are declared in one module, `projects/rules.py`; lifecycle holds only
the mechanism, so the dependency still runs projects -> lifecycle.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import rules
from django.db.models import Q

from lifecycle.errors import NotNow, TransitionError, TransitionForbidden

Where = Callable[[Any, str], Q]  # (user, path to the project) -> filter


def everything(at: str = "") -> Q:
    """A filter every row passes (an empty `Q()` would vanish when combined with `|`)."""
    return ~Q(**{f"{at}pk__in": []})


def nothing(at: str = "") -> Q:
    return Q(**{f"{at}pk__in": []})


def _is_empty_set(q: Q) -> bool:
    """`q` is `nothing()` or, negated, `everything()` (at any path)."""
    if len(q.children) != 1 or not isinstance(q.children[0], tuple):
        return False
    key, value = q.children[0]
    return (key == "pk__in" or key.endswith("__pk__in")) and isinstance(value, list) and not value


def is_everything(q: Q) -> bool:
    return q.negated and _is_empty_set(q)


def is_nothing(q: Q) -> bool:
    return not q.negated and q.connector == Q.AND and _is_empty_set(q)


def both(left: Q, right: Q) -> Q:
    """`left & right`, left out when one of them filters nothing out (or everything):
    a rule's filter is built for every kind of item on every page that lists them, and
    the placeholders would otherwise be built, compiled and sent each time."""
    if is_nothing(left) or is_everything(right):
        return left
    if is_nothing(right) or is_everything(left):
        return right
    return left & right


def either(left: Q, right: Q) -> Q:
    """`left | right`, simplified the same way."""
    if is_everything(left) or is_nothing(right):
        return left
    if is_everything(right) or is_nothing(left):
        return right
    return left | right


class Fact(rules.Predicate):
    """A predicate of (user, record) that can also filter a queryset: `q(user, at)`, where
    `at` is the lookup path from the queried model to the project ("" or "project__")."""

    def __init__(self, fn: Any, name: str | None = None, bind: bool = False) -> None:
        super().__init__(fn, name, bind)
        self.where: Where | None = None

    def q(self, user: Any, at: str = "") -> Q:
        if self.where is None:
            raise TypeError(f"“{self}” has no queryset form.")
        return self.where(user, at)

    def _joined(self, other: Any, combined: "Fact", op: Callable[[Q, Q], Q]) -> "Fact":
        if self.where is not None and getattr(other, "where", None) is not None:

            def where(user: Any, at: str) -> Q:
                left = self.q(user, at)
                if op is either and is_everything(left):
                    return left  # everything already (the PMO): the rest cannot add a row
                if op is both and is_nothing(left):
                    return left  # nothing already: the rest cannot add a row
                return op(left, other.q(user, at))

            combined.where = where
        return combined

    def __and__(self, other: Any) -> "Fact":
        return self._joined(other, super().__and__(other), both)

    def __or__(self, other: Any) -> "Fact":
        return self._joined(other, super().__or__(other), either)

    def __invert__(self) -> "Fact":
        inverted = super().__invert__()
        if self.where is not None:
            inverted.where = lambda user, at: _negated(self.q(user, at), at)
        return inverted


def _negated(q: Q, at: str) -> Q:
    if is_everything(q):
        return nothing(at)
    if is_nothing(q):
        return everything(at)
    return ~q


def fact(*, where: Where | None = None) -> Callable[[Callable[..., bool]], Fact]:
    """Decorate `fn(user, obj) -> bool` as a `Fact`, with its queryset form if it has one."""

    def wrap(fn: Callable[..., bool]) -> Fact:
        made = Fact(fn, fn.__name__)
        made.where = where
        made.__doc__ = fn.__doc__
        return made

    return wrap


@dataclass(frozen=True)
class Condition:
    """A fact of the record alone: `reason(obj)` is "" when it holds, else why it does not.
    A condition that holds for `everyone` (the project is closed, it is in another stage) is
    told before the person's role; one about the record (a signed charter) only to those
    whose role would allow it."""

    name: str
    reason: Callable[[Any], str]
    where: Callable[[str], Q] | None = None
    everyone: bool = False

    def q(self, at: str = "") -> Q:
        if self.where is None:
            raise TypeError(f"“{self.name}” has no queryset form.")
        return self.where(at)


def condition(
    *, where: Callable[[str], Q] | None = None, everyone: bool = False
) -> Callable[..., Condition]:
    def wrap(fn: Callable[[Any], str]) -> Condition:
        return Condition(fn.__name__, fn, where, everyone)

    return wrap


@dataclass(frozen=True)
class Rule:
    """Who may, and when. `refusal` is what someone who may not is told (403)."""

    who: rules.Predicate
    when: tuple[Condition, ...] = ()
    refusal: str = ""

    def reason_not_now(self, obj: Any, *, everyone: bool | None = None) -> str:
        """Why not now ("" if every condition holds); `everyone` picks one kind only."""
        for each in self.when:
            if everyone is not None and each.everyone != everyone:
                continue
            if reason := each.reason(obj):
                return reason
        return ""

    def allows(self, user: Any, obj: Any = None) -> bool:
        return (
            bool(getattr(user, "is_authenticated", False))
            and not self.reason_not_now(obj)
            and self.who.test(user, obj)
        )

    def refuse(self, user: Any, obj: Any = None, *, label: str = "") -> TransitionError | None:
        """Why `user` may not, as the error to raise (None when they may): what holds for
        everyone first (409), then the role (403), then the record's own state (409)."""
        if reason := self.reason_not_now(obj, everyone=True):
            return NotNow(reason)
        if not (getattr(user, "is_authenticated", False) and self.who.test(user, obj)):
            return TransitionForbidden(
                self.refusal or (f"You may not “{label}” here." if label else "Not allowed.")
            )
        if reason := self.reason_not_now(obj, everyone=False):
            return NotNow(reason)
        return None

    def q(self, user: Any, at: str = "") -> Q:
        """The rule as a filter on a queryset whose path to the project is `at`."""
        if not getattr(user, "is_authenticated", False):
            return nothing(at)
        if not isinstance(self.who, Fact):
            raise TypeError(f"“{self.who}” has no queryset form.")
        return both(self.who.q(user, at), self.when_q(at))

    def when_q(self, at: str = "") -> Q:
        """Only the rule's conditions, as a filter: the records it may allow someone now."""
        filters = everything(at)
        for each in self.when:
            filters = both(filters, each.q(at))
        return filters


_RULEBOOK: dict[str, Rule] = {}
# Whose authority a person uses when a rule allows them something only as someone's deputy
# ("Lee Park for Dana Whitfield"): declared with the rulebook, asked by the transition service
# (and a service whose rule a deputy may meet) before it writes the audit row.
ActingFor = Callable[[Any, Rule, Any], Any]
_acting_for: list[ActingFor] = []


def declare(
    rulebook: Mapping[str, Rule], *, app_label: str, acting_for: ActingFor | None = None
) -> None:
    """Make `rulebook` the rules by those names, also as `<app_label>.<name>` permissions;
    `acting_for(user, rule, record)` names the person a deputy acts for, if any."""
    for name, each in rulebook.items():
        _RULEBOOK[name] = each
        rules.set_perm(f"{app_label}.{name}", rules.predicate(each.allows, name=name))
    if acting_for is not None:
        _acting_for[:] = [acting_for]


def acting_for(user: Any, rule: Rule | str, record: Any) -> Any:
    """The person whose authority `user` uses to meet `rule` on `record` (None: their own)."""
    if isinstance(rule, str):
        rule = _RULEBOOK[rule]
    return _acting_for[0](user, rule, record) if _acting_for else None


def rule(name: str) -> Rule:
    try:
        return _RULEBOOK[name]
    except KeyError:
        raise LookupError(f"No rule named “{name}”: see projects/rules.py.") from None


def allows(user: Any, name: str, obj: Any = None) -> bool:
    return rule(name).allows(user, obj)


def require(user: Any, name: str, obj: Any = None, *, label: str = "") -> None:
    """Raise the refusal (NotNow 409 or TransitionForbidden 403) unless the rule allows."""
    if error := rule(name).refuse(user, obj, label=label):
        raise error


Permission = Callable[[Any, Any], bool]


def permission(name: str) -> Permission:
    """The rule `name` as a django-fsm `permission=`: django-fsm calls it (instance, user)."""

    def check(instance: Any, user: Any) -> bool:
        return allows(user, name, instance)

    check.rule_name = name  # type: ignore[attr-defined]
    check.__name__ = name
    return check


def rule_of(permission: Any) -> Rule | None:
    """The named rule behind a django-fsm permission made by `permission()`, if any."""
    name = getattr(permission, "rule_name", None)
    return rule(name) if name else None
