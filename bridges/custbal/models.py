"""The CUSTBAL bridge's input and output models."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from extract.bridge import ExtractInfo

__all__ = ["Balance", "BalancePage", "ExportBalances", "ExtractInfo", "GetExtractInfo", "ListBalances"]

BalanceStatus = Literal["active", "blocked"]


class ListBalances(BaseModel):
    """One page of the extract, in file order."""

    model_config = {"extra": "forbid"}

    start: int = Field(
        1, ge=1, le=100_000_000, description="Record number to start at (`next_start` of the previous page)."
    )
    limit: int = Field(50, ge=1, le=500, description="Records per page.")


class ExportBalances(BaseModel):
    """Every balance of the extract, streamed, optionally by status."""

    model_config = {"extra": "forbid"}

    status: BalanceStatus | None = Field(None, description="Only customers of this status.")


class GetExtractInfo(BaseModel):
    """No input: the extract being served."""

    model_config = {"extra": "forbid"}


class Balance(BaseModel):
    """One customer's balance as of the extract's run."""

    customer_id: str | None = Field(description="Canonical id (None if the crosswalk does not know the customer).")
    custmast_no: str = Field(description="CUSTMAST's customer number.")
    name: str = Field(description="The customer's name as the extract holds it.")
    country: str = Field(description="ISO country code of the customer.")
    balance: Decimal = Field(description="Balance owed (negative: the customer is in credit).")
    credit_limit: Decimal = Field(description="Credit limit in the balance's currency.")
    days_overdue: int = Field(description="Days overdue, as the extract records them.")
    last_payment: date | None = Field(description="Date of the last payment (None: never paid).")
    status: BalanceStatus = Field(description="Whether the account is active or blocked.")
    monthly_net: list[Decimal] = Field(description="Net movement of each of the last 12 months, oldest first.")


class BalancePage(BaseModel):
    """A page of balances and where the next one starts."""

    extract: ExtractInfo = Field(description="The extract these balances come from.")
    balances: list[Balance] = Field(description="This page's balances, in record order.")
    next_start: int | None = Field(description="`start` of the next page; None after the last.")
