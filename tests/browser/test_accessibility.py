"""Accessibility audit: axe-core (npm, pinned in package-lock.json) on every page type, light and dark.

axe is injected by the test from node_modules; it is never copied into the site. A serious or critical
violation fails the test and names the rule, the page and the first offending elements.
"""

import pytest
from conftest import ROOT

from zoo.chromium import open_page

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

# One page of each type. 404.html is opened directly: a missing path answers with status 404, which
# Chromium logs as a console error, and the conftest guard fails a test on any console error.
PAGES = {
    "home": "",
    "model": "models/mamba-2/",
    "unified": "unified/",
    "compare": "compare/",
    "hybrids": "hybrids/",
    "benchmarks": "benchmarks/",
    "about": "about/",
    "contributing": "contributing/",
    "404": "404.html",
}
# What JavaScript adds before the page is complete (figures, the compare app), per page type.
READY = {
    "compare": "[data-zoo-compare][data-zoo-drawn]",
}


def serious_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => {
            const r = await axe.run(document, { resultTypes: ["violations"] });
            return r.violations
              .filter(v => v.impact === "serious" || v.impact === "critical")
              .map(v => `${v.impact} ${v.id} (${v.nodes.length}x): ${v.help}; e.g. `
                + v.nodes.slice(0, 3).map(n => n.target.join(" ")
                  + (n.any[0]?.message ? ` [${n.any[0].message}]` : "")).join(" | "));
        }"""
    )
    return found


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("kind", list(PAGES))
def test_no_serious_or_critical_axe_violations(browser, site_url, kind, scheme):
    assert AXE.is_file(), "axe-core is missing from node_modules: run `npm ci`"
    page, problems = open_page(browser, color_scheme=scheme)
    try:
        page.goto(site_url + PAGES[kind], wait_until="networkidle")
        if kind in READY:
            page.wait_for_selector(READY[kind])
        # Audit the page as the site's scripts set it up (a loaded machine can reach network idle before
        # they have run: scrolling boxes get their keyboard stop from them).
        page.wait_for_selector("body[data-zoo-ready]", state="attached")
        want = "slate" if scheme == "dark" else "default"
        assert page.get_attribute("body", "data-md-color-scheme") == want
        found = serious_violations(page)
        assert not found, f"{kind} page ({scheme}):\n" + "\n".join(found)
    finally:
        page.context.close()
    problems.check()
