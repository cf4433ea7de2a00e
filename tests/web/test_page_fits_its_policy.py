"""The page's files hold nothing its Content-Security-Policy would block: no inline script or style, no event-handler or
style attributes, no javascript: or data: URLs, and no code that makes code or styles from strings."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[2] / "web"
PAGES = sorted(WEB.glob("*.html"))
SCRIPTS = sorted(WEB.glob("*.js"))


class _Inline(HTMLParser):
    """What in one HTML document a policy of script-src 'self', style-src 'self', img-src 'self' refuses."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        self._in_script = tag == "script"
        if tag == "script" and not named.get("src"):
            self.found.append(f"line {self.getpos()[0]}: an inline <script>")
        if tag == "style":
            self.found.append(f"line {self.getpos()[0]}: an inline <style>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"line {self.getpos()[0]}: an event-handler attribute {name}=")
            if name == "style":
                self.found.append(f"line {self.getpos()[0]}: a style attribute on <{tag}>")
            if name in ("href", "src", "action", "formaction") and value and re.match(r"\s*(javascript|data):", value, re.I):
                self.found.append(f"line {self.getpos()[0]}: a {value.split(':')[0]}: URL in <{tag} {name}>")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.found.append(f"line {self.getpos()[0]}: script text inside a <script src>")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_the_page_has_no_inline_script_style_or_data_url(page):
    parser = _Inline()
    parser.feed(page.read_text())
    assert parser.found == []


# Patterns a strict policy blocks at run time: string evaluation (no 'unsafe-eval'), and style attributes or <style>
# made from markup (no 'unsafe-inline'). Setting `element.style.width` through the CSSOM is allowed and used.
_BLOCKED_IN_SCRIPTS = {
    "eval(": re.compile(r"\beval\s*\("),
    "new Function(": re.compile(r"\bnew\s+Function\s*\("),
    "a string timer": re.compile(r"\bset(Timeout|Interval)\s*\(\s*[\"'`]"),
    "a style attribute": re.compile(r"setAttribute\(\s*[\"']style[\"']|\.style\.cssText\s*=|style\s*=\s*\\?[\"']"),
    "markup from strings": re.compile(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML\s*\(|document\.write\s*\("),
    "a <style> element": re.compile(r"createElement\(\s*[\"']style[\"']"),
}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_the_scripts_make_no_code_or_styles_from_strings(script):
    text = script.read_text()
    assert [what for what, pattern in _BLOCKED_IN_SCRIPTS.items() if pattern.search(text)] == []
