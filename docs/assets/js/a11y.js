// Keyboard access to content that scrolls sideways (wide tables on a narrow screen): a region that
// scrolls but holds nothing focusable cannot be scrolled without a mouse, so it becomes a tab stop with a
// name. Regions that fit their column stay out of the tab order.

const SCROLLERS = ".md-typeset__scrollwrap";

function update(el) {
  const scrolls = el.scrollWidth > el.clientWidth + 1;
  if (scrolls && !el.hasAttribute("tabindex")) {
    el.setAttribute("tabindex", "0");
    el.setAttribute("role", "region");
    el.setAttribute("aria-label", "Table, scrolls sideways");
  } else if (!scrolls && el.getAttribute("tabindex") === "0") {
    el.removeAttribute("tabindex");
    el.removeAttribute("role");
    el.removeAttribute("aria-label");
  }
}

export function init(root) {
  const observer = new ResizeObserver((entries) => entries.forEach((e) => update(e.target)));
  for (const el of root.querySelectorAll(SCROLLERS)) {
    update(el);
    observer.observe(el);
  }
}
