"""The operator console: server-rendered pages under ``/console`` for the people who run the
facade — each bridge's health (with a reset for a bridge whose login was refused), the audit
trail, the review queue, shadow mode's agreement (what an AI proposed beside what people then
did, with reconciliation on demand), the API keys.

Sign in with an API key (an operator's or a reviewer's): the key is checked once and the
session cookie then holds only the key's *name* (signed, HttpOnly, SameSite=Strict, Secure
under TLS, 8 hours); a request carrying the key itself (``Authorization: Bearer``) is
accepted as well. Every form carries a CSRF token (Flask-WTF) bound to the session, and
sign-in attempts are rate-limited per address. What a page shows follows the key's scopes
as the API's routes do: bridges, audit, shadow mode and keys need ``ops``; the review queue shows the
reviews the key asked for or may decide. Approving or rejecting runs
:meth:`facade_app.pipeline.Pipeline.decide` — the same four-eyes rules and audit as
``POST /v1/reviews/<id>/approve``: nobody decides their own request. A reset runs
:meth:`~facade_app.pipeline.Pipeline.reset`, as ``POST /v1/bridges/<bridge>/reset`` does.
"""

from __future__ import annotations

import hashlib
import json
import statistics
from datetime import timedelta
from typing import Any

from flask import Blueprint, Flask, Response, flash, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from wtforms import ValidationError

from bridges.core.config import Config
from bridges.core.errors import InvalidInput, RateLimited, Unauthenticated
from facade_app.auth import OPERATOR_SCOPE, Caller, KeyRing, scope_granted
from facade_app.console_audit import AuditFilter, AuditSource, events_of_request, last_uses, newest_events
from facade_app.metrics import Metrics
from facade_app.pipeline import Attempt, Pipeline, can_review, visible
from facade_app.readiness import Readiness

__all__ = ["REFRESH_S", "register_console"]

REFRESH_S = 5
"""How often the bridges page reloads itself (seconds)."""
_SIGN_IN_LIMIT = "10/minute"
_POLICY = "default-src 'self'; style-src 'self' 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"


def _secret(config: Config, keyring: KeyRing) -> bytes:
    """The session-signing secret: ``facade.console_secret``, else one derived from every
    configured key (the same in every worker; changing a key signs everyone out)."""
    if config.facade.console_secret is not None:
        return config.facade.console_secret.resolve("facade.console_secret").get_secret_value().encode()
    return hashlib.sha256(b"legacy-bridges console\0" + keyring.fingerprint()).digest()


def register_console(app: Flask, config: Config, pipeline: Pipeline, readiness: Readiness, keyring: KeyRing,
                     metrics: Metrics) -> None:
    """Add the ``/console`` pages."""
    app.secret_key = _secret(config, keyring)
    app.config.update(SESSION_COOKIE_NAME="lb_console", SESSION_COOKIE_SAMESITE="Strict",
                      SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SECURE=config.facade.tls_cert_file is not None,
                      SESSION_COOKIE_PATH="/console", PERMANENT_SESSION_LIFETIME=timedelta(hours=8))
    by_name = {caller.name: caller for caller in keyring.callers()}
    audit_path = config.path(config.facade.audit_log) if config.facade.audit_log else None
    writer = pipeline.audit.writer

    def audit_source() -> AuditSource:
        """The store (this worker's queued events committed first), else the file."""
        if writer is None:
            return audit_path
        writer.flush(1.0)
        return writer.chain
    console = Blueprint("console", __name__, url_prefix="/console")

    def caller() -> Caller | None:
        if g.get("caller") is not None:
            return g.caller
        return by_name.get(session.get("key", ""))

    def page(template: str, code: int = 200, **context: Any) -> Response:
        body = render_template(f"console/{template}", me=caller(), csrf_token=generate_csrf, is_ops=is_ops,
                               **context)
        response = Response(body, status=code, mimetype="text/html")
        response.headers["Content-Security-Policy"] = _POLICY
        response.headers["Cache-Control"] = "no-store"
        return response

    def is_ops(who: Caller | None) -> bool:
        return who is not None and scope_granted(OPERATOR_SCOPE, who.scopes)

    def need(ops: bool = False) -> Caller | Response:
        who = caller()
        if who is None:
            return redirect(url_for("console.sign_in", next=request.path))
        if ops and not is_ops(who):
            return page("forbidden.html", 403, why=f"key '{who.name}' lacks scope {OPERATOR_SCOPE}")
        return who

    def checked_form() -> None:
        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError as exc:
            raise CSRFError(str(exc)) from None

    @console.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> Response:
        return page("forbidden.html", 400, why="the form expired or did not come from this console: reload the "
                    "page and try again")

    @console.get("/")
    def home() -> Response:
        who = caller()
        if who is None:
            return redirect(url_for("console.sign_in"))
        return redirect(url_for("console.bridges" if is_ops(who) else "console.reviews"))

    @console.route("/sign-in", methods=["GET", "POST"])
    def sign_in() -> Response:
        target = request.args.get("next", "")
        target = target if target.startswith("/console/") and "//" not in target else ""
        if request.method == "GET":
            return page("sign_in.html", target=target)
        checked_form()
        try:
            pipeline.limits.hit(f"console:{request.remote_addr}", _SIGN_IN_LIMIT)
            who = keyring.authenticate(request.form.get("key", ""))
        except (Unauthenticated, RateLimited) as exc:
            return page("sign_in.html", 401 if isinstance(exc, Unauthenticated) else 429, target=target,
                        error="That key is not valid." if isinstance(exc, Unauthenticated) else exc.detail)
        session.clear()
        session.permanent = True
        session["key"] = who.name
        return redirect(target or url_for("console.home"))

    @console.post("/sign-out")
    def sign_out() -> Response:
        checked_form()
        session.clear()
        return redirect(url_for("console.sign_in"))

    @console.get("/bridges")
    def bridges() -> Response:
        who = need(ops=True)
        if not isinstance(who, Caller):
            return who
        rows = []
        for name in readiness.names():
            state = readiness.bridge(name)
            details = readiness.details(name, state)
            recent = metrics.recent(name)
            rows.append({"name": name, "status": state.status, "details": details,
                         "mode": details.get("mode", "—"), "guard": details.get("guard", {}),
                         "pool": details.get("pool") if isinstance(details.get("pool"), dict) else None,
                         "p50": statistics.median(recent) * 1000 if recent else None,
                         "p95": sorted(recent)[int(0.95 * (len(recent) - 1))] * 1000 if recent else None,
                         "calls": len(recent),
                         "refused": bool(details.get("login_refused"))
                         or (isinstance(details.get("pool"), dict) and details["pool"].get("sign_on") == "refused")})
        return page("bridges.html", rows=rows, refresh=REFRESH_S)

    @console.post("/bridges/<bridge>/reset")
    def reset_bridge(bridge: str) -> Response:
        who = need(ops=True)
        if not isinstance(who, Caller):
            return who
        checked_form()
        attempt = Attempt(caller=who, request_id=g.request_id, client=str(request.remote_addr), started=g.started)
        outcome = pipeline.reset(attempt, bridge)  # the same rules and audit as POST /v1/bridges/<bridge>/reset
        if outcome.error is not None:
            flash(f"Not reset: {outcome.error.detail}", "error")
        else:
            readiness.forget(bridge)  # the page pings afresh instead of showing the refusal until it expires
            flash(f"Bridge {bridge} reset: it signs on again at its next call.", "ok")
        return redirect(url_for("console.bridges"))

    @console.get("/audit")
    def audit() -> Response:
        who = need(ops=True)
        if not isinstance(who, Caller):
            return who
        flt = AuditFilter(**{k: request.args.get(k, "")[:64] for k in AuditFilter.__dataclass_fields__})
        return page("audit.html", events=newest_events(audit_source(), flt), flt=flt,
                    has_source=writer is not None or audit_path is not None,
                    bridges=sorted(readiness.names()), callers=sorted(by_name))

    @console.get("/audit/<request_id>")
    def audit_event(request_id: str) -> Response:
        who = need(ops=True)
        if not isinstance(who, Caller):
            return who
        events = events_of_request(audit_source(), request_id)
        return page("audit_event.html", request_id=request_id,
                    events=[json.dumps(e, indent=2, ensure_ascii=False) for e in events])

    @console.get("/reviews")
    def reviews() -> Response:
        who = need()
        if not isinstance(who, Caller):
            return who
        status = request.args.get("status", "pending")
        status = status if status in ("pending", "executed", "rejected", "failed", "expired", "") else "pending"
        shown = [r for r in pipeline.reviews.list(status or None) if visible(who, r)]
        return page("reviews.html", reviews=shown, status=status, may_decide=lambda r: can_review(who, r)
                    and r.requested_by != who.name and r.status == "pending",
                    pretty=lambda data: json.dumps(data, indent=2, ensure_ascii=False))

    @console.post("/reviews/<review_id>/<decision>")
    def decide(review_id: str, decision: str) -> Response:
        who = need()
        if not isinstance(who, Caller):
            return who
        checked_form()
        if decision not in ("approve", "reject"):
            return page("forbidden.html", 404, why="no such decision")
        reason = request.form.get("reason", "").strip()[:500]
        attempt = Attempt(caller=who, request_id=g.request_id, client=str(request.remote_addr), started=g.started)
        def read_reason() -> str:
            if not reason:
                raise InvalidInput("a rejection needs a reason", errors=[{"field": "reason", "message": "required",
                                                                           "type": "missing"}])
            return reason

        outcome = pipeline.decide(attempt, review_id, decision,  # type: ignore[arg-type]
                                  read_reason if decision == "reject" else None)
        if outcome.error is not None:
            flash(f"Not {decision}d: {outcome.error.detail}", "error")
        else:
            flash(f"Review {review_id[:8]}… {outcome.outcome}.", "ok")
        return redirect(url_for("console.reviews"))

    @console.get("/shadow")
    def shadow() -> Response:
        who = need(ops=True)
        if not isinstance(who, Caller):
            return who
        status = request.args.get("status", "")
        status = status if status in ("pending", "matched", "disagreeing") else ""
        report = pipeline.shadows.report()
        shown = [s for s in report["shadows"] if not status or s["status"] == status]
        return page("shadow.html", report=report, shadows=shown[::-1], status=status,
                    pretty=lambda data: json.dumps(data, indent=2, ensure_ascii=False))

    @console.post("/shadow/reconcile")
    def reconcile() -> Response:
        who = need(ops=True)
        if not isinstance(who, Caller):
            return who
        checked_form()
        attempt = Attempt(caller=who, request_id=g.request_id, client=str(request.remote_addr), started=g.started)
        outcome, counts = pipeline.operate(attempt, "shadow.reconcile", pipeline.shadows.reconcile)
        if outcome.error is not None:
            flash(f"Not reconciled: {outcome.error.detail}", "error")
        else:
            flash("Reconciled: " + ", ".join(f"{n} {k}" for k, n in counts.items()) + ".", "ok")
        return redirect(url_for("console.shadow"))

    @console.get("/keys")
    def keys() -> Response:
        who = need(ops=True)
        if not isinstance(who, Caller):
            return who
        used = last_uses(audit_source())
        return page("keys.html", keys=[(c, used.get(c.name)) for c in keyring.callers()])

    app.register_blueprint(console)
