"""Selectors with a fallback chain: role, label or name first, CSS/XPath last.

A :class:`Target` names what a flow wants ("the Search button") and the ways to find
it, best first. The first way that matches exactly one element wins; a later one
winning is logged (the page drifted, the flow healed). When none matches, the flow
fails with :class:`LayoutChanged` naming the target and every selector tried — it
never guesses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bridges.core.errors import LayoutChanged

__all__ = ["By", "Target", "by_css", "by_label", "by_name", "by_role", "by_text", "by_xpath"]

log = logging.getLogger("legacy_bridges.web_scrape")


@dataclass(frozen=True)
class By:
    """One way of finding an element in a page or frame."""

    kind: str
    value: str
    name: str | None = None  # the accessible name, for roles

    def locate(self, scope: Any) -> Any:
        """A Playwright locator for this selector inside ``scope`` (a Page or Frame)."""
        if self.kind == "role":
            return scope.get_by_role(self.value, name=self.name, exact=True) if self.name else \
                scope.get_by_role(self.value)
        if self.kind == "label":
            return scope.get_by_label(self.value, exact=True)
        if self.kind == "name":
            return scope.locator(f'[name="{self.value}"]')
        if self.kind == "text":
            return scope.get_by_text(self.value, exact=True)
        if self.kind == "xpath":
            return scope.locator(f"xpath={self.value}")
        return scope.locator(self.value)

    def __str__(self) -> str:
        if self.kind == "role":
            return f"role={self.value}" + (f'[name="{self.name}"]' if self.name else "")
        return f"{self.kind}={self.value}"


def by_role(role: str, name: str | None = None) -> By:
    """An element by ARIA role and accessible name (what users and screen readers see)."""
    return By("role", role, name)


def by_label(text: str) -> By:
    """A form control by the text of its label."""
    return By("label", text)


def by_name(name: str) -> By:
    """A form control by its ``name`` attribute (what the server reads)."""
    return By("name", name)


def by_text(text: str) -> By:
    """An element by its exact visible text."""
    return By("text", text)


def by_css(selector: str) -> By:
    """A CSS selector (last resort: tied to markup)."""
    return By("css", selector)


def by_xpath(expression: str) -> By:
    """An XPath expression (last resort: tied to markup)."""
    return By("xpath", expression)


@dataclass(frozen=True)
class Target:
    """Something a flow acts on, with its selectors best first."""

    description: str
    candidates: tuple[By, ...]

    def __init__(self, description: str, *candidates: By) -> None:
        if not candidates:
            raise ValueError("a target needs at least one selector")
        object.__setattr__(self, "description", description)
        object.__setattr__(self, "candidates", tuple(candidates))

    def resolve(self, scope: Any) -> Any:
        """The locator of the first selector matching exactly one element in ``scope``.

        Raises :class:`LayoutChanged` naming the target and the selectors tried."""
        for index, candidate in enumerate(self.candidates):
            locator = candidate.locate(scope)
            if locator.count() == 1:
                if index:
                    log.warning("selector fallback: %s found by %s (preferred %s did not match)",
                                self.description, candidate, self.candidates[0])
                return locator
        tried = ", ".join(str(c) for c in self.candidates)
        raise LayoutChanged(f"layout changed: {self.description} not found (tried {tried})",
                            selector=str(self.candidates[0]), target=self.description)
