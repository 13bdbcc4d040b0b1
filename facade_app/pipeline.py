"""One pipeline for every caller path: HTTP routes, MCP tools, review decisions.

    outcome = pipeline.call(attempt, "custmast", op, read_input)

Each path is a thin adapter: it says who is calling (:class:`Attempt`) and how to read
the raw input, then renders the :class:`Outcome` its own way (an HTTP response, an MCP
tool result). The rules run here, once, in this order:

authentication → rate budget → scopes → input → validation → policy (direct, review
queue or shadow, per operation or by a rule over the input — :mod:`facade_app.policies`;
a dry run is never queued; for decisions: the four-eyes rules) → the guard → audit →
error mapping.

Every attempt writes exactly one audit line, refused ones included; no exception
escapes — an unexpected one is logged with the request id and answered as a generic
internal error that never echoes its text.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from bridges.core.composite import CompositeResult, PartRunner, part_runner
from bridges.core.config import Config
from bridges.core.errors import BridgeError, Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from bridges.core.operation import Effect, Operation
from bridges.core.runtime import Runtime
from bridges.core.streaming import RowStream
from facade_app.audit import AuditLog, audit_log
from facade_app.auth import OPERATOR_SCOPE, Caller, scope_granted
from facade_app.logs import log_fields
from facade_app.policies import Policies
from facade_app.ratelimit import Budget, RateLimits
from facade_app.reset_board import ResetBoard
from facade_app.review_store import Review, ReviewStore, review_store_url
from facade_app.rollout import Rollouts
from facade_app.shadow import ShadowMode
from facade_app.shadow_store import Shadow, ShadowStore

__all__ = ["Attempt", "Outcome", "Pipeline", "can_review", "parameter_names", "visible"]

log = logging.getLogger("legacy_bridges.facade")

Decision = Literal["approve", "reject"]


@dataclass
class Attempt:
    """Who is calling, as the adapter knows it.

    ``caller`` is None when no valid key came with the call (``auth_error`` says why);
    ``client`` names the budget charged before authentication (an address); ``charge`` is
    False for the parts of a composite call, whose own call was charged."""

    caller: Caller | None
    request_id: str
    auth_error: BridgeError | None = None
    client: str = "local"
    started: float = field(default_factory=time.perf_counter)
    charge: bool = True


@dataclass
class Outcome:
    """What became of an attempt: the answer (``result`` or ``review``) or ``error``."""

    status: int
    outcome: str
    result: BaseModel | RowStream | None = None
    review: Review | None = None
    error: BridgeError | None = None
    shadow: Shadow | None = None
    budget: Budget | None = None


@dataclass
class _Audit:
    """What the audit line of one attempt will say (filled in as the attempt goes)."""

    event: str
    effect: str
    inputs: dict[str, Any] | None = None


def parameter_names(model: type[BaseModel]) -> frozenset[str]:
    """The input names an operation takes: each field's alias (``from``) or its own name."""
    names = set()
    by_name = model.model_config.get("populate_by_name") or model.model_config.get("validate_by_name")
    for name, info in model.model_fields.items():
        alias = info.validation_alias if isinstance(info.validation_alias, str) else info.alias
        names.add(alias or name)
        if by_name or not alias:
            names.add(name)
    return frozenset(names)


def _refuse_unknown(op: Operation, raw: Mapping[str, Any]) -> None:
    known = parameter_names(op.input_model)
    unknown = [str(k)[:64] for k in raw if k not in known]
    if unknown:
        raise InvalidInput(f"unknown input for {op.qualified_name}",
                           errors=[{"field": k, "message": "unknown parameter", "type": "extra_forbidden"}
                                   for k in unknown[:20]])


def can_review(caller: Caller, review: Review) -> bool:
    """True when ``caller`` may decide ``review`` (``<bridge>:review``)."""
    return scope_granted(f"{review.bridge}:review", caller.scopes)


def visible(caller: Caller, review: Review) -> bool:
    """True when ``caller`` asked for ``review`` or may decide it."""
    return review.requested_by == caller.name or can_review(caller, review)


class Pipeline:
    """The rules every caller path runs through (see the module's docstring)."""

    def __init__(self, runtime: Runtime, audit: AuditLog, limits: RateLimits, default_limit: str,
                 reviews: ReviewStore, reviewed: frozenset[str] = frozenset(),
                 policies: Policies | None = None) -> None:
        self.runtime = runtime
        self.audit = audit
        self.limits = limits
        self.default_limit = default_limit
        self.reviews = reviews
        # each write's policy (``reviewed``: instances whose writes all wait for a second person)
        self.policies = policies if policies is not None else Policies(reviewed=reviewed)
        self.shadows = ShadowMode(runtime, ShadowStore(lambda: reviews.engine), self.policies)
        self.rollouts = Rollouts(runtime, lambda: reviews.engine)  # candidates of reads (none unless configured)
        self.resets: ResetBoard | None = None  # operators' resets shared with the other workers, if any
        self.observe: Callable[[str, str, float, BridgeError | None], None] | None = None
        """Told of every finished attempt (event, outcome, seconds, error): the metrics."""

    @classmethod
    def from_config(cls, config: Config, runtime: Runtime) -> Pipeline:
        """The pipeline a configuration describes (audit file, rate limits, review queue)."""
        audit = audit_log(config)
        limits = RateLimits(config.facade.rate_limit_storage)
        for limit in [config.facade.rate_limit, *(k.rate_limit for k in config.api_keys if k.rate_limit)]:
            limits.validate(limit)  # a malformed limit fails at start, not on the first call
        store = ReviewStore(review_store_url(config), config.facade.review_ttl_s)
        pipeline = cls(runtime, audit, limits, config.facade.rate_limit, store,
                       policies=Policies.from_config(config, {i: r.operations for i, r in runtime.bridges.items()}))
        pipeline.rollouts = Rollouts.from_config(config, runtime, lambda: store.engine)
        return pipeline

    @property
    def reviewed(self) -> frozenset[str]:
        """Instances whose writes wait for review unless an operation's own policy says otherwise."""
        return self.policies.reviewed

    # -- the steps every path shares -------------------------------------------------

    def admit(self, attempt: Attempt) -> tuple[Caller, Budget | None]:
        """Authentication and the rate budget (the client's, when there is no valid key)."""
        caller = attempt.caller
        if caller is None:
            self.limits.hit(f"ip:{attempt.client}", self.default_limit)
            raise attempt.auth_error or Unauthenticated("an API key is required: send 'Authorization: Bearer <key>'")
        if not attempt.charge:
            return caller, None
        return caller, self.limits.hit(f"key:{caller.name}", caller.rate_limit or self.default_limit)

    def _run(self, attempt: Attempt, audit: _Audit, steps: Callable[[Caller, Outcome], Outcome]) -> Outcome:
        """Admit, run ``steps``, map any error, and write the one audit line."""
        outcome = Outcome(500, "error")
        caller: Caller | None = None
        try:
            caller, budget = self.admit(attempt)
            outcome.budget = budget
            outcome = steps(caller, outcome)
        except BridgeError as exc:
            outcome = Outcome(exc.status, exc.slug, error=exc, budget=outcome.budget)
        except Exception:
            # Never echo an unexpected exception: its text may hold data or secrets.
            log.exception("unexpected error in %s (request %s)", audit.event, attempt.request_id)
            error = BridgeError("an unexpected error occurred; quote the request id when reporting it")
            outcome = Outcome(500, "internal", error=error, budget=outcome.budget)
        finally:
            elapsed = time.perf_counter() - attempt.started
            self.audit.record(event=audit.event, effect=audit.effect, caller=caller.name if caller else None,
                              request_id=attempt.request_id, status=outcome.status, duration_ms=elapsed * 1000,
                              inputs=audit.inputs, outcome=outcome.outcome)
            if self.observe is not None:
                self.observe(audit.event, outcome.outcome, elapsed, outcome.error)
        return outcome

    def turn_away(self, attempt: Attempt, event: str) -> Outcome:
        """Answer and audit an attempt that came with no valid key (a transport-level call,
        such as an MCP request without one): 401, or 429 once its address's budget is spent."""
        assert attempt.caller is None
        return self._run(attempt, _Audit(event, "connect"), lambda caller, outcome: outcome)

    # -- operations ------------------------------------------------------------------

    def call(self, attempt: Attempt, instance: str, op: Operation,
             read_input: Callable[[], Mapping[str, Any]], deadline_s: float | None = None) -> Outcome:
        """Run one operation for ``attempt``; ``read_input`` gives its raw input (after the
        key and its scopes are checked, so a refused caller's body is never read).

        The parts of a composite operation come back here (:meth:`_part_runner`): each runs
        with the caller's own scopes, uncharged, and writes its own audit line."""
        audit = _Audit(op.qualified_name, op.effect.value)
        bridge = self.runtime.bridges[instance]
        if self.resets is not None:
            self.resets.catch_up(self.runtime)  # an operator's reset taken by another worker

        def steps(caller: Caller, outcome: Outcome) -> Outcome:
            caller.require(op)
            raw = dict(read_input())
            audit.inputs = raw
            _refuse_unknown(op, raw)
            parsed = bridge.parse_input(op, raw)
            audit.inputs = parsed.model_dump(mode="json", by_alias=True, exclude_unset=True)
            policy = "direct"
            if op.effect is Effect.WRITE and not getattr(parsed, "dry_run", False):  # a dry run changes nothing
                policy = self.policies.decide(instance, op, parsed)
            if policy == "review":
                data = parsed.model_dump(mode="json", by_alias=True)
                preview = None
                if "dry_run" in op.input_model.model_fields:  # the approver sees what the system would do
                    dry = bridge.call(op, parsed.model_copy(update={"dry_run": True}))
                    preview = dry.model_dump(mode="json")  # type: ignore[union-attr]
                review = self.reviews.submit(op.bridge, op.name, data, caller.name, preview)
                return Outcome(202, "queued-for-review", review=review, budget=outcome.budget)
            if policy == "shadow":  # dry-run and recorded beside what a person will do; never executed
                shadow = self.shadows.shadow(instance, op, parsed, caller.name)
                return Outcome(202, "shadowed", shadow=shadow, budget=outcome.budget)
            with part_runner(self._part_runner(attempt, caller)):
                result = bridge.call(op, parsed, deadline_s)
            if isinstance(result, RowStream):
                return Outcome(200, "streamed", result=result, budget=outcome.budget)
            if op.effect is Effect.READ:  # a candidate implementation may run beside it (the caller gets this one)
                self.rollouts.observe(instance, op, parsed, caller.name, attempt.request_id, result)
            if isinstance(result, CompositeResult) and not result.complete:
                return Outcome(200, "partial", result=result, budget=outcome.budget)
            return Outcome(200, "ok", result=result, budget=outcome.budget)

        with log_fields(bridge=instance, operation=op.name):
            return self._run(attempt, audit, steps)

    def _part_runner(self, attempt: Attempt, caller: Caller) -> PartRunner:
        """How a composite operation called by ``attempt`` runs its parts: through this pipeline."""

        def run(instance: str, name: str, data: Mapping[str, Any], deadline_s: float) -> BaseModel:
            _, op = self.runtime.find(instance, name)
            part = Attempt(caller=caller, request_id=f"{attempt.request_id}/{instance}", client=attempt.client,
                           charge=False)
            outcome = self.call(part, instance, op, lambda: data, deadline_s)
            if outcome.error is not None:
                raise outcome.error
            if not isinstance(outcome.result, BaseModel):  # a queued write or a stream: not a part's answer
                raise Conflict(f"{op.qualified_name} does not answer as a part of a composite operation")
            return outcome.result

        return run

    # -- operators -------------------------------------------------------------------

    def reset(self, attempt: Attempt, instance: str, check_input: Callable[[], None] | None = None) -> Outcome:
        """An operator's reset of one bridge (the key holds ``ops``): after a refused login its
        transport may sign on again (once), and its breaker closes. Audited like any attempt;
        an unknown bridge is :class:`NotFound`, told only to operators."""
        name = instance[:64]
        audit = _Audit(f"{name}.reset", "ops", {"bridge": name})

        def steps(caller: Caller, outcome: Outcome) -> Outcome:
            if check_input:
                check_input()  # what the adapter refused in the request, audited here
            if not scope_granted(OPERATOR_SCOPE, caller.scopes):
                raise Forbidden(f"key '{caller.name}' lacks scope {OPERATOR_SCOPE}")
            self.runtime.reset(instance)
            log.warning("bridge %s reset by %s (request %s)", name, caller.name, attempt.request_id)
            if self.resets is not None:
                self.resets.bump(instance)  # the other workers reset theirs before their next call
            return Outcome(200, "reset", budget=outcome.budget)

        return self._run(attempt, audit, steps)

    def operate(self, attempt: Attempt, event: str, action: Callable[[], Any]) -> tuple[Outcome, Any]:
        """An operator's action (the key holds ``ops``), audited like any attempt: its outcome
        and what ``action`` returned."""
        done: list[Any] = [None]

        def steps(caller: Caller, outcome: Outcome) -> Outcome:
            if not scope_granted(OPERATOR_SCOPE, caller.scopes):
                raise Forbidden(f"key '{caller.name}' lacks scope {OPERATOR_SCOPE}")
            done[0] = action()
            return Outcome(200, "ok", budget=outcome.budget)

        return self._run(attempt, _Audit(event, "ops"), steps), done[0]

    # -- review decisions ------------------------------------------------------------

    def find_review(self, caller: Caller, review_id: str) -> Review:
        """A review ``caller`` may see, or :class:`NotFound` (others' reviews are not disclosed)."""
        review = self.reviews.get(review_id)
        if review is None or not visible(caller, review):
            raise NotFound(f"no review {review_id}")
        return review

    def decide(self, attempt: Attempt, review_id: str, decision: Decision,
               read_reason: Callable[[], str] | None = None, check_input: Callable[[], None] | None = None) -> Outcome:
        """Approve (and execute through the guard) or reject a queued write.

        The four-eyes rules: the key holds ``<bridge>:review``; nobody decides their own
        request; a review is decided once, and not after it expired. Each refusal is
        audited like any other attempt."""
        audit = _Audit(f"reviews.{decision}", "write", {"review_id": review_id[:64]})

        def steps(caller: Caller, outcome: Outcome) -> Outcome:
            known = self.reviews.get(review_id)
            if known is not None:  # the audit names it, even for a caller it stays hidden from
                audit.event = f"{known.bridge}.{known.operation}.{decision}"
                audit.inputs = {"review_id": known.id, "requested_by": known.requested_by}
            if check_input:
                check_input()  # what the adapter refused in the request, audited here
            review = self.find_review(caller, review_id)
            if not can_review(caller, review):
                raise Forbidden(f"key '{caller.name}' lacks scope {review.bridge}:review")
            reason = read_reason() if read_reason else None
            if reason is not None:
                audit.inputs = {**(audit.inputs or {}), "reason": reason}
            if review.requested_by == caller.name:
                raise Forbidden("a write is approved or rejected by someone other than who asked for it")
            to = "approved" if decision == "approve" else "rejected"
            if not self.reviews.decide(review.id, to=to, by=caller.name, reason=reason):
                now = self.reviews.get(review.id)
                raise Conflict(f"review {review.id} is {now.status if now else 'gone'}, not pending")
            if decision == "reject":
                return Outcome(200, "rejected", review=self.reviews.get(review.id), budget=outcome.budget)
            with log_fields(bridge=review.bridge, operation=review.operation):
                return self._execute(review, outcome.budget)

        return self._run(attempt, audit, steps)

    def _execute(self, review: Review, budget: Budget | None) -> Outcome:
        """Run an approved write through its bridge's guard and record what it did."""
        if self.resets is not None:
            self.resets.catch_up(self.runtime)
        try:
            bridge, op = self.runtime.find(review.bridge, review.operation)
            result = bridge.call(op, review.input)
        except BridgeError as exc:
            self.reviews.finish(review.id, ok=False, result=exc.to_problem())
            return Outcome(exc.status, "failed", error=exc, review=self.reviews.get(review.id), budget=budget)
        except Exception:
            self.reviews.finish(review.id, ok=False, result={"status": 500, "title": "Internal error"})
            raise
        self.reviews.finish(review.id, ok=True, result=result.model_dump(mode="json"))  # type: ignore[union-attr]
        return Outcome(200, "executed", review=self.reviews.get(review.id), budget=budget)
