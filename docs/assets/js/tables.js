// Sorting, one module for every sortable list: the unified view's table, and the home page's cards and
// table. A click (or Enter/Space: the header holds a button) on a header sorts by that column and toggles
// the direction; aria-sort on the header tells assistive technology the current order.

export const name = "tables";

// Compare two sort keys. Numbers compare as numbers, text by locale; an empty key sorts last whatever the
// direction (a model without a value is not "smallest").
export function compareKeys(a, b, kind, direction = 1) {
  const emptyA = a === "" || a === undefined || a === null;
  const emptyB = b === "" || b === undefined || b === null;
  if (emptyA || emptyB) return emptyA === emptyB ? 0 : emptyA ? 1 : -1;
  const order = kind === "number" ? Number(a) - Number(b) : String(a).localeCompare(String(b));
  return direction * order;
}

// Reorder `elements` inside `parent` by keyOf(element); ties keep their tie-breaker order (tieOf).
export function sortElements(parent, elements, keyOf, kind, direction, tieOf = () => 0) {
  const sorted = [...elements].sort(
    (a, b) => compareKeys(keyOf(a), keyOf(b), kind, direction) || tieOf(a) - tieOf(b),
  );
  parent.append(...sorted);
  return sorted;
}

// Show which header sorts the table: aria-sort on it, "none" on the other sortable headers.
export function markSorted(headers, active, direction) {
  for (const th of headers) {
    th.setAttribute("aria-sort", th === active ? (direction === 1 ? "ascending" : "descending") : "none");
  }
}

// Tables that sort themselves (data-zoo-sortable): header cells carry data-sort ("number" or "text") and
// a button; cells carry their key in data-key (else their text).
export function init(root) {
  for (const box of root.querySelectorAll("[data-zoo-sortable]")) {
    const table = box.querySelector("table");
    const headers = [...table.tHead.rows[0].cells].filter((th) => th.dataset.sort);
    for (const th of headers) {
      th.querySelector("button")?.addEventListener("click", () => {
        const direction = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
        const body = table.tBodies[0];
        const rows = [...body.rows];
        rows.forEach((row, i) => { row.dataset.initial ??= String(i); });
        const cellKey = (row) => row.cells[th.cellIndex].dataset.key ?? row.cells[th.cellIndex].textContent.trim();
        sortElements(body, rows, cellKey, th.dataset.sort, direction, (row) => Number(row.dataset.initial));
        markSorted(headers, th, direction);
      });
    }
  }
}
