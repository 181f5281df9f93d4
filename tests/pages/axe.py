"""axe-core in the browser tests, without network: the `axe.min.js` the `axe-playwright-python`
package bundles is read from the installed package and run in the page.

    violations(page, impacts): axe's violations of the open page, those of the given impacts
    assert_accessible(page, where): no critical and no serious violation, else a readable list
    sideways_scroll(page): how many pixels the page is wider than its window (0: none)
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any

SERIOUS = ("critical", "serious")


@cache
def axe_script() -> str:
    return (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


def violations(page: Any, impacts: tuple[str, ...] = SERIOUS) -> list[dict[str, Any]]:
    """axe.run on the whole document (WCAG 2 A and AA rules and axe's best practices)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_script())
    found: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const result = await window.axe.run(document, { resultTypes: ["violations"] });
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({ target: n.target.join(" "), html: n.html.slice(0, 160) })),
            }));
        }"""
    )
    return [v for v in found if v["impact"] in impacts]


def describe(found: list[dict[str, Any]]) -> str:
    lines = []
    for v in found:
        lines.append(f"  {v['impact']} {v['id']}: {v['help']} ({len(v['nodes'])} elements)")
        lines.extend(f"    {n['target']}  {n['html']}" for n in v["nodes"][:5])
    return "\n".join(lines)


def assert_accessible(page: Any, where: str = "") -> None:
    found = violations(page)
    assert not found, f"axe-core on {where or page.url}:\n{describe(found)}"


def sideways_scroll(page: Any) -> int:
    """The page's overflow to the right, in CSS pixels: a table too wide must scroll in its own box."""
    overflow: int = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    return max(0, overflow)


def widest_elements(page: Any, count: int = 5) -> list[str]:
    """The elements reaching furthest past the window's right edge (to say what overflows)."""
    found: list[str] = page.evaluate(
        """(count) => {
            const width = window.innerWidth;
            const wide = [];
            for (const el of document.body.querySelectorAll("*")) {
                const r = el.getBoundingClientRect();
                if (r.right > width + 1) {
                    let inBox = false;
                    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
                        const o = getComputedStyle(p).overflowX;
                        if (o === "auto" || o === "scroll" || o === "hidden") { inBox = true; break; }
                    }
                    if (!inBox) {
                        const cls = typeof el.className === "string" && el.className
                            ? "." + el.className.split(" ").join(".") : "";
                        const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + cls;
                        wide.push([r.right, name]);
                    }
                }
            }
            wide.sort((a, b) => b[0] - a[0]);
            return wide.slice(0, count).map(([right, name]) => `${name} to ${Math.round(right)}px`);
        }""",
        count,
    )
    return found
