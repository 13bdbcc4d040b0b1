"""Write policies per operation: run it, queue it for review, or shadow it (dry-run and record it,
never run it: :mod:`facade_app.shadow`) — for every call or by a rule.

    [bridges.custmast.policies.change_address]
    policy = "review"
    when = 'input.country != null && input.country != "DE"'

A rule is a CEL expression (Common Expression Language, evaluated by ``cel-python``: no
Python ``eval``, no loops, no I/O) over ``input``, the operation's validated input. It is
compiled when the facade starts, so a malformed rule fails there, naming its key. A rule
that cannot be evaluated for a call (a type mismatch, a missing field) or does not give a
boolean refuses the call: the write is never run on a guess. A bridge's ``review_writes``
stays the policy of its writes that have no table of their own.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import celpy
from pydantic import BaseModel

from bridges.core.config import Config, WritePolicy
from bridges.core.errors import ConfigError, Forbidden
from bridges.core.operation import Effect, Operation

__all__ = ["Policies", "PolicyMode"]

PolicyMode = Literal["direct", "review", "shadow"]


def _plain(value: Any) -> Any:
    """``value`` as JSON-like data CEL can take: decimals as doubles, dates as ISO strings."""
    if isinstance(value, BaseModel):
        value = value.model_dump(by_alias=True)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # anything else a model may hold (a SecretStr shows as its mask)


@dataclass(frozen=True)
class _Rule:
    """One operation's compiled policy."""

    where: str
    policy: PolicyMode
    otherwise: PolicyMode
    program: Any = None  # the compiled CEL program of ``when``, if any
    observe: str | None = None  # shadow mode: the read that shows what the write sets

    def decide(self, parsed: BaseModel) -> PolicyMode:
        if self.program is None:
            return self.policy
        try:
            verdict = self.program.evaluate({"input": celpy.json_to_cel(_plain(parsed))})
        except Exception as exc:  # CELEvalError and whatever a conversion raises
            raise _refusal(self.where, type(exc).__name__) from None
        if isinstance(verdict, Exception):  # cel-python returns some errors rather than raising them
            raise _refusal(self.where, type(verdict).__name__)
        if not isinstance(verdict, celpy.celtypes.BoolType | bool):
            raise _refusal(self.where, "not a boolean")
        return self.policy if bool(verdict) else self.otherwise


def _refusal(where: str, why: str) -> Forbidden:
    # Never the rule's message: it may quote the input's values.
    return Forbidden(
        f"the write policy {where} could not be evaluated for this input ({why}); "
        "the write was refused and nothing was run"
    )


class Policies:
    """The write policy of every served write operation."""

    def __init__(
        self, rules: dict[tuple[str, str], _Rule] | None = None, reviewed: frozenset[str] = frozenset()
    ) -> None:
        self.rules = rules or {}
        self.reviewed = reviewed  # instances whose writes wait for review unless a rule says otherwise

    @classmethod
    def from_config(cls, config: Config, served: Mapping[str, Mapping[str, Operation]]) -> Policies:
        """Compile the configuration's policies for the operations ``served`` (instance → name →
        operation); :class:`ConfigError` names a bad one's key."""
        env = celpy.Environment()
        rules = {}
        for instance, entry in config.bridges.items():
            operations = served.get(instance)
            for name, declared in entry.policies.items():
                where = f"bridges.{instance}.policies.{name}"
                op = operations.get(name) if operations is not None else None
                if operations is not None and op is None:
                    raise ConfigError(f"{where}: the {instance} bridge has no operation {name!r}")
                if op is not None and op.effect is not Effect.WRITE:
                    raise ConfigError(f"{where}: {op.qualified_name} only reads; policies are for writes")
                seen = operations.get(declared.observe) if operations is not None and declared.observe else None
                if declared.observe and operations is not None and (seen is None or seen.effect is not Effect.READ):
                    raise ConfigError(f"{where}.observe: {declared.observe!r} is not a read operation of {instance}")
                rules[(instance, name)] = _compile(env, where, declared)
        reviewed = frozenset(name for name, entry in config.bridges.items() if entry.review_writes)
        return cls(rules, reviewed)

    def decide(self, instance: str, op: Operation, parsed: BaseModel) -> PolicyMode:
        """The policy of this call of ``op`` (reads are always direct)."""
        if op.effect is not Effect.WRITE:
            return "direct"
        rule = self.rules.get((instance, op.name))
        if rule is not None:
            return rule.decide(parsed)
        return "review" if instance in self.reviewed else "direct"

    def observer(self, instance: str, op: Operation) -> str | None:
        """The read operation that shows what ``op`` sets (shadow mode), if configured."""
        rule = self.rules.get((instance, op.name))
        return rule.observe if rule is not None else None

    def may_review(self, instance: str, op: Operation) -> bool:
        """True when some call of ``op`` may be queued for review (for tool descriptions)."""
        return "review" in self._modes(instance, op)

    def may_shadow(self, instance: str, op: Operation) -> bool:
        """True when some call of ``op`` may be shadowed (for tool descriptions)."""
        return "shadow" in self._modes(instance, op)

    def _modes(self, instance: str, op: Operation) -> set[str]:
        if op.effect is not Effect.WRITE:
            return set()
        rule = self.rules.get((instance, op.name))
        if rule is None:
            return {"review" if instance in self.reviewed else "direct"}
        return {rule.policy, rule.otherwise} if rule.program is not None else {rule.policy}


def _compile(env: Any, where: str, declared: WritePolicy) -> _Rule:
    if declared.when is None:
        return _Rule(where, declared.policy, declared.policy, observe=declared.observe)
    try:
        program = env.program(env.compile(declared.when))
    except Exception as exc:  # CELParseError and friends
        raise ConfigError(f"{where}.when: not a valid CEL expression ({type(exc).__name__})") from None
    return _Rule(where, declared.policy, declared.otherwise, program, declared.observe)
