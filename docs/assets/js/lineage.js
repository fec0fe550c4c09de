// The lineage graph (built as links over an SVG by zoo/sitegen/lineage.py). This module adds what needs a
// script: the graph is one tab stop and the arrow keys move between models (roving tabindex); pointing at,
// focusing or tapping a model shows its summary in the preview and lights its edges; on touch the first tap
// previews and a second tap on the same model opens it; nodes the card filters hide fade out.

export const name = "lineage";

// Moving from `from` towards `dir`: the nearest node in that direction, preferring ones straight ahead.
function nearest(nodes, from, dir) {
  const [fx, fy] = centre(from);
  let best = null;
  let bestScore = Infinity;
  for (const node of nodes) {
    if (node === from) continue;
    const [x, y] = centre(node);
    const along = dir === "ArrowRight" ? x - fx : dir === "ArrowLeft" ? fx - x : dir === "ArrowDown" ? y - fy : fy - y;
    const across = dir === "ArrowRight" || dir === "ArrowLeft" ? Math.abs(y - fy) : Math.abs(x - fx);
    if (along <= 1) continue;
    const score = along + 2 * across;
    if (score < bestScore) {
      bestScore = score;
      best = node;
    }
  }
  return best;
}

function centre(node) {
  return [parseFloat(node.style.left), parseFloat(node.style.top)];
}

function preview(box, node) {
  const panel = box.querySelector("[data-zoo-lineage-preview]");
  const { name: modelName, year, summary, decay, parents } = node.dataset;
  const names = parents.split(" ").filter(Boolean).map((id) => box.querySelector(`.zoo-lineage__node[data-id="${id}"]`))
    .filter(Boolean).map((p) => p.dataset.name);
  const title = document.createElement("p");
  const strong = document.createElement("strong");
  strong.textContent = modelName;
  const open = document.createElement("a");
  open.href = node.href;
  open.className = "zoo-lineage__open";
  open.textContent = `Open ${modelName} →`;
  title.append(strong, ` (${year}) · `, open);
  const body = document.createElement("p");
  body.textContent = summary;
  const meta = document.createElement("p");
  meta.className = "zoo-lineage__preview-meta";
  meta.textContent = `Decay: ${decay} · ${names.length ? `from ${names.join(", ")}` : "a root: no parent in the zoo"}`;
  panel.replaceChildren(title, body, meta);
  panel.dataset.id = node.dataset.id;
}

function light(canvas, node) {
  for (const edge of canvas.querySelectorAll(".zoo-lineage__edge.is-lit")) edge.classList.remove("is-lit");
  for (const n of canvas.querySelectorAll(".zoo-lineage__node.is-current")) n.classList.remove("is-current");
  if (!node) {
    delete canvas.dataset.lit;
    return;
  }
  const id = node.dataset.id;
  node.classList.add("is-current");
  canvas.dataset.lit = id;
  for (const edge of canvas.querySelectorAll(`.zoo-lineage__edge[data-from="${id}"], .zoo-lineage__edge[data-to="${id}"]`)) {
    edge.classList.add("is-lit");
  }
}

function fade(canvas, { shown, active }) {
  const keep = new Set(shown);
  let faded = 0;
  for (const node of canvas.querySelectorAll(".zoo-lineage__node")) {
    const out = active && !keep.has(node.dataset.id);
    node.classList.toggle("is-faded", out);
    faded += out;
  }
  canvas.dataset.zooFaded = String(faded);
}

let lastFilter = { shown: [], active: false };
document.addEventListener("zoo:filter", (event) => {
  lastFilter = event.detail;
  const canvas = document.querySelector("[data-zoo-lineage-canvas]");
  if (canvas) fade(canvas, lastFilter);
});

function wire(box) {
  const canvas = box.querySelector("[data-zoo-lineage-canvas]");
  const nodes = [...canvas.querySelectorAll(".zoo-lineage__node")];
  if (!nodes.length) return;
  let armed = null; // on touch: the node a first tap previewed; tapping it again opens it
  let pointer = "mouse";

  const choose = (node) => {
    preview(box, node);
    light(canvas, node);
  };
  const rove = (node) => {
    for (const n of nodes) n.tabIndex = n === node ? 0 : -1;
  };
  rove(nodes[0]);

  canvas.addEventListener("keydown", (event) => {
    const from = event.target.closest(".zoo-lineage__node");
    if (!from) return;
    let to;
    if (event.key.startsWith("Arrow")) to = nearest(nodes, from, event.key);
    else if (event.key === "Home") to = nodes[0];
    else if (event.key === "End") to = nodes[nodes.length - 1];
    else return;
    event.preventDefault();
    if (to) {
      rove(to);
      to.focus();
      to.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
  });
  canvas.addEventListener("focusin", (event) => {
    const node = event.target.closest(".zoo-lineage__node");
    if (!node) return;
    rove(node);
    choose(node);
  });
  canvas.addEventListener("pointerover", (event) => {
    const node = event.target.closest(".zoo-lineage__node");
    if (node && event.pointerType === "mouse") choose(node);
  });
  canvas.addEventListener("pointerdown", (event) => {
    pointer = event.pointerType || "mouse";
  });
  canvas.addEventListener("click", (event) => {
    const node = event.target.closest(".zoo-lineage__node");
    if (!node || pointer !== "touch" || armed === node) return;
    // First tap: show the summary instead of leaving the page (stopPropagation keeps instant navigation
    // from following the link too).
    event.preventDefault();
    event.stopPropagation();
    armed = node;
    rove(node);
    choose(node);
    box.querySelector("[data-zoo-lineage-preview]").scrollIntoView({ block: "nearest" });
  });
  fade(canvas, lastFilter);
  box.dataset.zooWired = "true";
}

export function init(root) {
  const box = root.querySelector("[data-zoo-lineage]");
  if (box && !box.dataset.zooWired) wire(box);
}
