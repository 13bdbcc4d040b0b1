"""The human docs page and the interactive API docs: readable types (optional, enum, date,
arrays), inline code instead of raw backticks, examples wrapped not cut, response fields, a
"try it" link per operation, and Swagger UI served from the package's own assets."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

import pytest
from pydantic import BaseModel, Field

from facade_app.schema_text import inline_code, type_label

pytestmark = pytest.mark.unit


class Colour(StrEnum):
    RED = "red"
    BLUE = "blue"


class Example(BaseModel):
    count: int | None = None
    since: date
    colour: Colour = Colour.RED
    tags: list[str] = Field(default_factory=list)
    note: str = Field("", description="Free text; `<b>` stays text.")


def test_types_read_as_people_say_them():
    schema = Example.model_json_schema()
    labels = {name: type_label(prop, schema.get("$defs", {})) for name, prop in schema["properties"].items()}
    assert labels == {
        "count": "integer or null",
        "since": "string (date)",
        "colour": 'one of "red", "blue"',
        "tags": "array of string",
        "note": "string",
    }


def test_backticks_become_code_and_html_stays_text():
    assert str(inline_code("Free text; `<b>` stays text.")) == "Free text; <code>&lt;b&gt;</code> stays text."


def test_the_docs_page_shows_types_responses_and_a_try_it_link(client):
    html = client.get("/docs").get_data(as_text=True)
    shop = html[html.index('id="shop_get_item"') : html.index('id="shop_rename"')]
    assert "Response (200)" in shop and "<code>price</code>" in shop  # the output model's fields
    assert 'href="http://localhost/docs/api#/shop/shop_get_item">try it</a>' in shop
    assert ">object<" not in html  # no optional or enum input shown as a bare "object"
    assert "white-space: pre-wrap" in html  # long examples wrap instead of being cut


def test_swagger_ui_is_served_from_bundled_assets_and_reads_the_openapi_document(client):
    page = client.get("/docs/api/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "SwaggerUIBundle" in html and '"url": "/openapi.json"' in html
    assert not re.search(r'(src|href)="https?://', html), "nothing may come from a CDN"
    bundle = client.get("/docs/api/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and len(bundle.data) > 100_000
    assert client.get("/docs/api/swagger-ui.css").status_code == 200
