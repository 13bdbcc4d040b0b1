"""The review queue's own rules, on a clock the test sets: a review waits until its expiry
instant inclusive and is expired after it; every move touches one review and only from the
state it must be in; listings filter by status (expired ones included), newest first, capped."""

from __future__ import annotations

import time

import pytest

from facade_app.review_store import ReviewStore

pytestmark = pytest.mark.unit

T0 = 1_800_000_000.0


@pytest.fixture
def clock(monkeypatch):
    """The wall clock the store reads, set by hand: ``clock.now = …``."""

    class Clock:
        now = T0

    monkeypatch.setattr(time, "time", lambda: Clock.now)
    return Clock


@pytest.fixture
def store(tmp_path):
    return ReviewStore(f"sqlite:///{tmp_path / 'reviews.db'}", ttl_s=60)


def _submit(store, clock, at: float, name: str = "x"):
    clock.now = at
    return store.submit("shop", "rename", {"name": name}, "clerk")


def test_a_review_waits_until_its_expiry_instant_inclusive(store, clock):
    review = _submit(store, clock, T0)
    assert review.expires_at == T0 + 60
    clock.now = T0 + 60
    assert store.get(review.id).status == "pending"
    assert [r.id for r in store.list("pending")] == [review.id] and store.list("expired") == []
    assert store.decide(review.id, to="approved", by="boss") is True


def test_after_its_expiry_a_review_is_expired_and_cannot_be_decided(store, clock):
    review = _submit(store, clock, T0)
    clock.now = T0 + 60.001
    assert store.get(review.id).status == "expired"
    assert store.list("pending") == [] and [r.id for r in store.list("expired")] == [review.id]
    assert store.decide(review.id, to="approved", by="boss") is False
    assert store.decide(review.id, to="rejected", by="boss", reason="late") is False


def test_deciding_one_review_leaves_the_others_pending(store, clock):
    first, second = _submit(store, clock, T0, "a"), _submit(store, clock, T0 + 1, "b")
    assert store.decide(first.id, to="rejected", by="boss", reason="no") is True
    assert store.get(first.id).status == "rejected" and store.get(first.id).reason == "no"
    assert store.get(second.id).status == "pending" and store.get(second.id).decided_by is None
    assert store.decide(first.id, to="approved", by="boss") is False  # decided once


def test_finishing_touches_only_that_approved_review(store, clock):
    a, b, c = (_submit(store, clock, T0 + i, n) for i, n in enumerate("abc"))
    assert store.decide(a.id, to="approved", by="boss") and store.decide(b.id, to="approved", by="boss")
    assert store.decide(c.id, to="rejected", by="boss", reason="no")
    store.finish(a.id, ok=True, result={"name": "a"})
    store.finish(c.id, ok=True, result={"name": "c"})  # not approved: nothing to finish
    assert (store.get(a.id).status, store.get(a.id).result) == ("executed", {"name": "a"})
    assert (store.get(b.id).status, store.get(b.id).result) == ("approved", None)
    assert (store.get(c.id).status, store.get(c.id).result) == ("rejected", None)
    store.finish(b.id, ok=False, result={"status": 503})
    assert (store.get(b.id).status, store.get(b.id).result) == ("failed", {"status": 503})


def test_listings_filter_by_status_newest_first_and_capped(store, clock):
    old = _submit(store, clock, T0, "old")  # will have expired
    rejected = _submit(store, clock, T0 + 30, "rejected")
    executed = _submit(store, clock, T0 + 31, "executed")
    waiting = _submit(store, clock, T0 + 40, "waiting")
    clock.now = T0 + 70
    assert store.decide(rejected.id, to="rejected", by="boss", reason="no")
    assert store.decide(executed.id, to="approved", by="boss")
    store.finish(executed.id, ok=True, result={})

    def ids(status=None, **kw):
        return [r.id for r in store.list(status, **kw)]

    assert ids() == [waiting.id, executed.id, rejected.id, old.id]
    assert ids(limit=2) == [waiting.id, executed.id]
    assert ids("pending") == [waiting.id]
    assert ids("expired") == [old.id]
    assert ids("rejected") == [rejected.id]
    assert ids("executed") == [executed.id]
    assert ids("approved") == []
    assert [r.status for r in store.list()] == ["pending", "executed", "rejected", "expired"]


def test_the_public_view_offers_decisions_only_while_pending(store, clock):
    review = _submit(store, clock, T0)
    base = f"/v1/reviews/{review.id}"
    assert review.public()["links"] == {"self": base, "approve": base + "/approve", "reject": base + "/reject"}
    assert review.public()["requested_at"] == "2027-01-15T08:00:00.000+00:00"
    assert store.decide(review.id, to="rejected", by="boss", reason="no")
    assert store.get(review.id).public()["links"] == {"self": base}


def test_a_decided_review_past_its_expiry_is_not_listed_as_expired(store, clock):
    rejected, executed = _submit(store, clock, T0, "r"), _submit(store, clock, T0, "e")
    assert store.decide(rejected.id, to="rejected", by="boss", reason="no")
    assert store.decide(executed.id, to="approved", by="boss")
    store.finish(executed.id, ok=True, result={})
    clock.now = T0 + 3600
    assert store.list("expired") == []
    assert {r.status for r in store.list()} == {"rejected", "executed"}


def test_a_review_stored_as_expired_lists_as_expired(store, clock):
    """A queue shared with a writer that stores the expiry (an older version did) reads the same."""
    from sqlalchemy import update

    from facade_app.review_store import _reviews

    review = _submit(store, clock, T0)
    with store.engine.begin() as conn:
        conn.execute(update(_reviews).where(_reviews.c.id == review.id).values(status="expired"))
    assert [r.id for r in store.list("expired")] == [review.id] and store.list("pending") == []


def test_a_listing_holds_at_most_100_by_default(store, clock):
    for i in range(101):
        _submit(store, clock, T0 + i, str(i))
    assert len(store.list()) == 100 and store.list()[0].input == {"name": "100"}


def test_the_queue_depth_counts_only_reviews_still_waiting(store, clock):
    waiting, decided, _old = (_submit(store, clock, T0 + 30), _submit(store, clock, T0 + 30), _submit(store, clock, T0))
    assert store.decide(decided.id, to="approved", by="boss")
    clock.now = T0 + 60  # the first review's expiry instant: it still waits
    assert store.pending_count() == 2
    clock.now = T0 + 61  # now it has expired: only the later one waits
    assert store.pending_count() == 1 and waiting.status == "pending"


def test_a_dry_runs_answer_is_kept_with_its_review_for_the_approver(store, clock):
    clock.now = T0
    previewed = store.submit("shop", "rename", {"name": "x"}, "clerk", dry_run={"would_change": ["name"]})
    plain = store.submit("shop", "rename", {"name": "y"}, "clerk")
    assert previewed.dry_run == store.get(previewed.id).dry_run == {"would_change": ["name"]}
    assert plain.dry_run is None and store.get(plain.id).dry_run is None
