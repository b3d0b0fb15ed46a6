"""A keyboard user sees where they are: a focused button draws a solid outline whose colour
has at least 3:1 contrast with the page around it (WCAG 2.2, non-text contrast). The
ring was a 35 % lavender box-shadow, about 1.6:1 on white."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.browser


def _rgb(css: str) -> tuple[float, float, float]:
    parts = [float(p) for p in re.findall(r"[\d.]+", css)[:3]]
    return parts[0], parts[1], parts[2]


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(_rgb(a)), _luminance(_rgb(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_of_known_colours():
    assert contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)") == pytest.approx(21)
    assert contrast("rgb(67, 56, 202)", "rgb(255, 255, 255)") > 7


def test_a_focused_button_has_a_solid_visible_outline(live_server, db, browser_page, artifacts_dir):
    page = browser_page
    page.goto(live_server.url + reverse("account_login"))
    button = page.get_by_role("button", name=re.compile("sign in", re.I))
    button.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # focus by keyboard, so :focus-visible applies
    style = button.evaluate(
        """el => {
            const s = getComputedStyle(el);
            let bg = "rgba(0, 0, 0, 0)";
            for (let p = el.parentElement; p; p = p.parentElement) {
                bg = getComputedStyle(p).backgroundColor;
                if (!/rgba\\(.*,\\s*0\\)$/.test(bg)) break;
            }
            return {style: s.outlineStyle, width: parseFloat(s.outlineWidth),
                    color: s.outlineColor, around: bg, focused: document.activeElement === el};
        }"""
    )
    assert style["focused"], style
    assert style["style"] == "solid", style
    assert style["width"] >= 2, style
    assert contrast(style["color"], style["around"]) >= 3, style
    page.screenshot(path=str(artifacts_dir / "focus-ring.png"))
