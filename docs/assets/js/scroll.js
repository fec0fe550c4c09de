// Boxes whose content may be wider than they are ([data-zoo-scroll]: equations, wide tables) scroll sideways
// inside themselves. When they do, the edge that hides more content fades out (CSS classes set here) and the
// box becomes a keyboard stop (tabindex=0, a named region) so arrow keys can scroll it; when everything
// fits it is neither, so readers do not tab through boxes with nothing to scroll. A box whose content is
// focusable itself (data-zoo-scroll-keys="inside": a row of buttons) only gets the cue: focusing a button
// scrolls it into view.

export const name = "scroll";

let observer = null;

function update(box) {
  const over = box.scrollWidth > box.clientWidth + 1;
  const left = over && box.scrollLeft > 1;
  const right = over && box.scrollLeft + box.clientWidth < box.scrollWidth - 1;
  box.classList.toggle("zoo-scroll--left", left);
  box.classList.toggle("zoo-scroll--right", right);
  box.classList.toggle("zoo-scroll--over", over);
  if (box.dataset.zooScrollKeys === "inside") return;
  if (over && !box.hasAttribute("tabindex")) {
    box.tabIndex = 0;
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", `${box.dataset.zooScroll || box.title || "Equation"} (scrolls sideways)`);
  } else if (!over && box.hasAttribute("tabindex")) {
    box.removeAttribute("tabindex");
    box.removeAttribute("role");
    box.removeAttribute("aria-label");
  }
}

export function init(root) {
  observer?.disconnect();
  observer = new ResizeObserver((entries) => entries.forEach((e) => update(e.target)));
  for (const box of root.querySelectorAll("[data-zoo-scroll]")) {
    update(box);
    observer.observe(box);
    box.addEventListener("scroll", () => update(box), { passive: true });
  }
}
