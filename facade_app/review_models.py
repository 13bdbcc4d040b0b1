"""The shapes of the write-review routes, for validation and for the OpenAPI document."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

__all__ = ["Rejection", "ReviewList", "ReviewOut", "ReviewStatus"]

ReviewStatus = Literal["pending", "approved", "rejected", "executed", "failed", "expired"]


class ReviewOut(BaseModel):
    """A queued write and what became of it."""

    id: str
    bridge: str
    operation: str
    input: dict[str, Any] = Field(description="The validated input of the write.")
    requested_by: str = Field(description="The name of the key that asked for the write.")
    requested_at: datetime = Field(description="When the write was asked for (ISO 8601, UTC).")
    expires_at: datetime = Field(description="When a pending review expires (ISO 8601, UTC).")
    status: ReviewStatus
    decided_by: str | None = None
    decided_at: datetime | None = Field(None, description="When it was approved or rejected (ISO 8601, UTC).")
    reason: str | None = Field(None, description="Why it was rejected.")
    result: dict[str, Any] | None = Field(None, description="The write's output, or its problem when it failed.")
    dry_run: dict[str, Any] | None = Field(None, description="What the write's dry run answered when it was "
                                           "queued (for writes that take dry_run), for the approver to see.")
    links: dict[str, str] = Field(description="self; approve and reject only while the review is pending.")


class ReviewList(BaseModel):
    """Reviews the caller asked for or may decide, newest first."""

    reviews: list[ReviewOut]


class Rejection(BaseModel):
    """Why a write is rejected."""

    reason: str = Field(min_length=1, max_length=500, description="Shown to whoever asked for the write.")
