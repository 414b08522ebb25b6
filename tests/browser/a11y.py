"""Accessibility checks run inside the page: axe-core's WCAG 2.2 AA rules, and focus-ring contrast."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Locator, Page

from bot.settings import PROJECT_ROOT

AXE = PROJECT_ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations of the WCAG 2.2 AA rules on the page (shadow roots included)."""
    if not AXE.exists():
        raise AssertionError(f"{AXE} is missing: `make widget` installs web/'s packages (npm ci)")
    if not page.evaluate("Boolean(window.axe)"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_22_AA,
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
    ]


# The focused element's outline colour against the first opaque background behind it,
# found by walking up through the shadow root to the page (WCAG 2.2: 1.4.11 and 2.4.13).
_RING = """
element => {
  const rgb = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const lin = (c) => { c /= 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  const style = getComputedStyle(element);
  let node = element.parentNode;
  let behind = null;
  while (node && !behind) {
    if (node.nodeType === 11) { node = node.host; continue; }
    if (node.nodeType !== 1) break;
    const bg = rgb(getComputedStyle(node).backgroundColor);
    if (bg.length === 3 || (bg.length === 4 && bg[3] === 1)) behind = bg.slice(0, 3);
    node = node.parentNode;
  }
  behind = behind || [255, 255, 255];
  const ring = rgb(style.outlineColor).slice(0, 3);
  const [light, dark] = [luminance(ring), luminance(behind)].sort((a, b) => b - a);
  return {
    ratio: (light + 0.05) / (dark + 0.05),
    width: parseFloat(style.outlineWidth),
    style: style.outlineStyle,
    ring: style.outlineColor,
    behind: `rgb(${behind.join(", ")})`,
  };
}
"""


def tab_to(page: Page, control: Locator, presses: int = 40) -> None:
    """Presses Tab until `control` has the focus, as a keyboard user reaches it."""
    for _ in range(presses):
        if control.evaluate("node => node.getRootNode().activeElement === node"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {control}")


def focus_ring(page: Page, control: Locator) -> dict[str, Any]:
    """The ring a keyboard user sees on `control` once Tab reaches it (its contrast `ratio`)."""
    tab_to(page, control)
    return dict(control.evaluate(_RING))
