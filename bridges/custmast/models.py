"""CUSTMAST's typed inputs and outputs.

Length limits come from the screen declarations, so a value longer than its 3270
field is refused (422, naming the field) before any session is touched — never
silently cut by the terminal.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, StringConstraints, model_validator

from bridges.custmast.screens import AddressChange

__all__ = [
    "Address",
    "AddressChangeResult",
    "BrowseCustomers",
    "ChangeAddress",
    "Customer",
    "CustomerPage",
    "CustomerSummary",
    "GetCustomer",
]

CUSTOMER_REF = r"^(C-\d{5}|\d{8})$"
ADDRESS_PARTS = ("street", "city", "postcode", "country")


def _screen_text(value: str) -> str:
    """One line of text a 3270 field can hold exactly as given."""
    if not value.isprintable():  # controls, and the invisible no-break space and soft hyphen the host drops
        raise ValueError("control and invisible characters (line breaks, tabs, no-break spaces, soft hyphens…) "
                         "cannot be typed into a 3270 field")
    if value != value.rstrip():
        raise ValueError("trailing blanks are not kept by CUSTMAST; remove them")
    return value


# What _screen_text and every supported code page accept, stated for the schema: printable Latin-1
# (no no-break space or soft hyphen), the last character not a blank. The currency sign ¤ (cp037, cp1047)
# and the euro sign € (cp1140, cp1141, in its place) also go where the configured code page has them.
_SCREEN_TEXT = r"^[\x20-\x7e\xa1-\xa3\xa5-\xac\xae-\xff]*[\x21-\x7e\xa1-\xa3\xa5-\xac\xae-\xff]$"


def _field_text(length: int) -> object:
    return Annotated[str, StringConstraints(min_length=1, max_length=length), AfterValidator(_screen_text),
                     Field(json_schema_extra={"pattern": _SCREEN_TEXT})]


CustomerRef = Annotated[
    str,
    Field(pattern=CUSTOMER_REF, description="Canonical id (C-00001) or CUSTMAST customer number (8 digits).",
          examples=["C-00001", "84603489"]),
]


CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO country code, 2 capital letters.")]


class GetCustomer(BaseModel):
    """Which customer to show."""

    model_config = {"extra": "forbid"}

    customer: CustomerRef


class Customer(BaseModel):
    """A CUSTMAST customer record."""

    customer_id: str | None = Field(description="Canonical id (None if the crosswalk does not know the customer).")
    custmast_no: str = Field(description="CUSTMAST's own customer number.")
    name: str = Field(description="The customer's name.")
    street: str | None = Field(description="Street and number; null when CUSTMAST shows none.")
    city: str | None = Field(description="City; null when CUSTMAST shows none.")
    postcode: str | None = Field(description="Postcode; null when CUSTMAST shows none.")
    country: str | None = Field(description="ISO country code; null when CUSTMAST shows none.")
    phone: str | None = Field(description="Phone number as CUSTMAST keeps it.")
    credit_limit: Decimal | None = Field(description="Credit limit in the customer's currency.")
    customer_since: date | None = Field(description="The date the customer was opened.")


class BrowseCustomers(BaseModel):
    """Where to start and how many customers to list."""

    model_config = {"extra": "forbid"}

    start_at: str | None = Field(
        None,
        pattern=r"^(C-\d{5}|\d{1,8})$",
        description="Canonical id, or the first digits of a CUSTMAST number (padded with zeros); "
        "omitted = from the first customer.",
    )
    limit: int = Field(20, ge=1, le=200, description="Customers to return at most.")


class CustomerSummary(BaseModel):
    """One row of the customer browse."""

    customer_id: str | None = Field(description="Canonical id (None if the crosswalk does not know the customer).")
    custmast_no: str = Field(description="CUSTMAST's own customer number.")
    name: str = Field(description="The customer's name.")
    city: str | None = Field(description="City; null when the browse shows none.")
    country: str | None = Field(description="ISO country code; null when the browse shows none.")


class CustomerPage(BaseModel):
    """Customers in CUSTMAST number order."""

    customers: list[CustomerSummary] = Field(description="The customers read, in CUSTMAST number order.")
    next_start_at: str | None = Field(description="Pass as start_at for the next page; None at the end of the list.")
    end_of_list: bool = Field(description="True when the browse reached its last customer.")
    screens_read: int = Field(description="Browse screens paged through for this answer.")


class Address(BaseModel):
    """A postal address as CUSTMAST keeps it."""

    street: str | None = Field(description="Street and number.")
    city: str | None = Field(description="City.")
    postcode: str | None = Field(description="Postcode.")
    country: str | None = Field(description="ISO country code.")


class ChangeAddress(BaseModel):
    """A customer and the parts of its address to change; ``dry_run`` checks everything but the commit.

    Parts left out keep their stored value; at least one part must be given."""

    model_config = {"extra": "forbid", "json_schema_extra": {"anyOf": [
        {"required": [part], "properties": {part: {"type": "string"}}} for part in ADDRESS_PARTS]}}

    customer: CustomerRef
    street: _field_text(AddressChange.street.length) | None = Field(  # type: ignore[valid-type]
        None, description=f"New street and number (at most {AddressChange.street.length} characters).")
    city: _field_text(AddressChange.city.length) | None = Field(  # type: ignore[valid-type]
        None, description=f"New city (at most {AddressChange.city.length} characters).")
    postcode: _field_text(AddressChange.postcode.length) | None = Field(  # type: ignore[valid-type]
        None, description=f"New postcode (at most {AddressChange.postcode.length} characters).")
    country: CountryCode | None = Field(None, description="New ISO country code, 2 capital letters.")
    dry_run: bool = Field(False, description="Navigate and fill in, validate, but stop before the commit key.")

    @model_validator(mode="after")
    def _something_to_change(self) -> ChangeAddress:
        if not self.changes():
            raise ValueError("give at least one of street, city, postcode, country")
        return self

    def changes(self) -> dict[str, str]:
        """The address parts to type, by screen field name."""
        return {k: v for k in ADDRESS_PARTS if (v := getattr(self, k)) is not None}


class AddressChangeResult(BaseModel):
    """What the change did."""

    customer_id: str | None = Field(description="Canonical id (None if the crosswalk does not know the customer).")
    custmast_no: str = Field(description="CUSTMAST's own customer number.")
    dry_run: bool = Field(description="True when the change stopped before the commit key.")
    committed: bool = Field(description="True only when CUSTMAST confirmed the change.")
    changed: bool = Field(description="False when the new address equals the stored one.")
    old: Address = Field(description="The address before the change.")
    new: Address = Field(description="The address as changed (or as it would be, in a dry run).")
    message: str = Field(description="CUSTMAST's last message.")
