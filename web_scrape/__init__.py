"""web_scrape — old web applications through a headless browser.

Playwright's sync API drives Chromium on one owner thread per browser
(:class:`BrowserOwner`); a :class:`BrowserPort` keeps warm, logged-in contexts per user
(:class:`ContextPool`), runs typed :class:`Flow` s under the call's deadline, extracts with
lxml (:class:`TableSpec`, :func:`field_pairs`), keeps redacted failure artifacts, and
records or replays HAR cassettes on the core envelope. Usable on its own: it imports
only ``bridges.core``. A bridge to a web application subclasses :class:`WebBridge` and
declares its login (:class:`LoginSpec` form, :class:`HttpLogin` Basic or Digest, or a
:class:`LoginHook`) and the requests its cassettes ignore or stub (:func:`ignore`,
:func:`stub`); the base owns settings, the password, the port, cassettes, ping,
status, reset and close.
"""

from web_scrape.artifacts import ArtifactStore, redact_trace
from web_scrape.bridge import WebBridge, WebSettings
from web_scrape.errors import BrowserGone, translate_playwright_error
from web_scrape.extract import TableSpec, field_pairs, find_link, parse_html, text_of
from web_scrape.flow import Credential, Flow, FlowPage, FlowRun, LoginSpec, SessionExpired
from web_scrape.har import TRANSPORT, HarRecorder, HarReplayer
from web_scrape.launch import DEFAULT_CHROMIUM_ARGS, LaunchSettings, find_chromium, launch_browser
from web_scrape.login import HttpAuthenticator, HttpLogin, LoginHook, basic_token
from web_scrape.owner import BrowserOwner
from web_scrape.pool import ContextPool, Lease
from web_scrape.port import BrowserPort, PortSettings, TraceLevel
from web_scrape.routing import RequestRule, ignore, stub
from web_scrape.secrets import SecretBook, authorization_secrets, find_secret_values
from web_scrape.selectors import By, Target, by_css, by_label, by_name, by_role, by_text, by_xpath

__all__ = [
    "DEFAULT_CHROMIUM_ARGS",
    "TRANSPORT",
    "ArtifactStore",
    "BrowserGone",
    "BrowserOwner",
    "BrowserPort",
    "By",
    "ContextPool",
    "Credential",
    "Flow",
    "FlowPage",
    "FlowRun",
    "HarRecorder",
    "HarReplayer",
    "HttpAuthenticator",
    "HttpLogin",
    "LaunchSettings",
    "Lease",
    "LoginHook",
    "LoginSpec",
    "PortSettings",
    "RequestRule",
    "SecretBook",
    "SessionExpired",
    "TableSpec",
    "Target",
    "TraceLevel",
    "WebBridge",
    "WebSettings",
    "authorization_secrets",
    "basic_token",
    "by_css",
    "by_label",
    "by_name",
    "by_role",
    "by_text",
    "by_xpath",
    "field_pairs",
    "find_chromium",
    "find_link",
    "find_secret_values",
    "ignore",
    "launch_browser",
    "parse_html",
    "redact_trace",
    "stub",
    "text_of",
    "translate_playwright_error",
]
