// Sortable tables: a click on a header button sorts the rows by that column's data-key values,
// toggling ascending/descending; aria-sort tells assistive technology the current order.

export const name = "tables";

function sortBy(table, index, kind, direction) {
  const body = table.tBodies[0];
  const rows = [...body.rows];
  const value = (row) => row.cells[index].dataset.key ?? row.cells[index].textContent;
  const compare = kind === "number"
    ? (a, b) => Number(value(a)) - Number(value(b))
    : (a, b) => value(a).localeCompare(value(b));
  rows.sort((a, b) => direction * compare(a, b));
  body.append(...rows);
}

export function init(root) {
  for (const box of root.querySelectorAll("[data-zoo-sortable]")) {
    const table = box.querySelector("table");
    const headers = [...table.tHead.rows[0].cells];
    headers.forEach((th, index) => {
      th.querySelector("button")?.addEventListener("click", () => {
        const direction = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
        headers.forEach((h) => h.setAttribute("aria-sort", "none"));
        th.setAttribute("aria-sort", direction === 1 ? "ascending" : "descending");
        sortBy(table, index, th.dataset.sort, direction);
      });
    });
  }
}
