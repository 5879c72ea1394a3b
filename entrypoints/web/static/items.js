// The items table: debounced search, sort, paging and a low-stock filter. Stock movements from
// the live stream change quantities in place; anything that may change which rows belong on
// the page (a new or deleted item, an edit, a filter on stock) re-reads the page.

import { api } from "./api.js";
import { alertRegion, debounce, field, h, replace, showError } from "./dom.js";

const PAGE_SIZE = 20;
const SORTS = [
  ["name", "Name, A to Z"],
  ["-name", "Name, Z to A"],
  ["sku", "SKU"],
  ["quantity", "Quantity, lowest first"],
  ["-quantity", "Quantity, highest first"],
  ["-updated_at", "Recently changed"],
];
// Kept between visits, so going back from an item returns to the same page of results.
const query = { q: "", sort: "name", lowOnly: false, offset: 0 };

export function itemsView(main, context) {
  document.title = "Items · Inventory";
  const rows = new Map();
  let generation = 0;

  const search = h("input", { type: "search", value: query.q, autocomplete: "off" });
  const sort = h(
    "select",
    {},
    SORTS.map(([value, text]) => h("option", { value, text, selected: value === query.sort })),
  );
  const lowOnly = h("input", { type: "checkbox", checked: query.lowOnly });
  const body = h("tbody");
  const summary = h("p", { class: "summary", "aria-live": "polite" });
  const previous = h("button", { type: "button", text: "Previous page" });
  const next = h("button", { type: "button", text: "Next page" });
  const error = alertRegion();

  async function load() {
    const mine = ++generation;
    const params = { offset: query.offset, limit: PAGE_SIZE, sort: query.sort };
    if (query.q) params.q = query.q;
    if (query.lowOnly) params.low_stock = "true";
    try {
      const page = await api.items(params);
      if (mine !== generation) return;
      showError(error, "");
      render(page);
    } catch (failure) {
      if (failure.status !== 401) showError(error, failure.message);
    }
  }

  function render(page) {
    if (page.items.length === 0 && page.offset > 0 && page.total > 0) {
      query.offset = Math.max(0, page.total - PAGE_SIZE);
      load();
      return;
    }
    rows.clear();
    replace(body, page.items.map(row));
    if (page.items.length === 0) {
      const text = query.q || query.lowOnly ? "No items match." : "No items yet.";
      body.append(h("tr", {}, h("td", { colspan: 7, text })));
    }
    const last = page.offset + page.items.length;
    summary.textContent = page.total
      ? `Items ${page.offset + 1} to ${last} of ${page.total}`
      : "No items";
    previous.disabled = page.offset === 0;
    next.disabled = last >= page.total;
  }

  function row(item) {
    const tr = h("tr", { "data-id": item.id });
    fill(tr, item);
    rows.set(item.id, { item, tr });
    return tr;
  }

  function fill(tr, item) {
    tr.classList.toggle("low", item.low_stock);
    replace(
      tr,
      h("td", { class: "sku wide", text: item.sku }),
      h(
        "th",
        { scope: "row" },
        h("a", { href: `#/items/${item.id}`, text: item.name }),
        h("span", { class: "narrow-only sku", text: item.sku }),
      ),
      h(
        "td",
        { class: "num" },
        h("span", { class: "qty", text: String(item.quantity) }),
        item.low_stock ? h("span", { class: "badge", text: "Low" }) : null,
      ),
      h("td", { class: "num wide", text: String(item.reorder_level) }),
      h("td", { class: "num", text: item.unit_price }),
      h("td", { class: "num wide", text: item.tax_rate === null ? "none" : `${item.tax_rate} %` }),
      h("td", { class: "num", text: item.price_with_tax }),
    );
  }

  const reloadSoon = debounce(load, 150);

  function onEvent(event) {
    const known = rows.get(event.item_id);
    if (event.type === "stock.adjusted") {
      // A gap in the versions: a change was missed (at-most-once delivery), so re-read.
      const missed = known && event.version > known.item.version + 1;
      if (known && event.version > known.item.version) {
        const item = { ...known.item, quantity: event.quantity, version: event.version };
        item.low_stock = item.quantity <= item.reorder_level;
        known.item = item;
        fill(known.tr, item);
        known.tr.classList.remove("changed");
        void known.tr.offsetWidth; // restart the highlight's animation
        known.tr.classList.add("changed");
      }
      if (missed || query.lowOnly || query.sort.endsWith("quantity")) reloadSoon();
    } else if (event.type === "item.created" || event.type === "item.deleted") {
      reloadSoon();
    } else if (event.type === "item.updated" && (!known || event.version > known.item.version)) {
      reloadSoon();
    }
  }

  const searchSoon = debounce(() => {
    query.q = search.value.trim();
    query.offset = 0;
    load();
  }, 300);
  search.addEventListener("input", searchSoon);
  sort.addEventListener("change", () => {
    query.sort = sort.value;
    query.offset = 0;
    load();
  });
  lowOnly.addEventListener("change", () => {
    query.lowOnly = lowOnly.checked;
    query.offset = 0;
    load();
  });
  previous.addEventListener("click", () => {
    query.offset = Math.max(0, query.offset - PAGE_SIZE);
    load();
  });
  next.addEventListener("click", () => {
    query.offset += PAGE_SIZE;
    load();
  });

  const headings = ["SKU", "Name", "Quantity", "Reorder level", "Unit price", "Tax", "Price with tax"];
  const wide = new Set(["SKU", "Reorder level", "Tax"]);
  const numeric = new Set(["Quantity", "Reorder level", "Unit price", "Tax", "Price with tax"]);
  replace(
    main,
    h("h1", { text: "Items" }),
    h(
      "form",
      { class: "filters", role: "search", onsubmit: (event) => event.preventDefault() },
      field("Search", search, "SKU, name or description"),
      field("Sort by", sort),
      h("div", { class: "check" }, lowOnly, h("label", { text: "Low stock only" })),
    ),
    error,
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "items" },
        h("caption", { class: "visually-hidden", text: "Items; low-stock rows are marked Low" }),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            headings.map((text) =>
              h("th", {
                scope: "col",
                class: [wide.has(text) && "wide", numeric.has(text) && "num"].filter(Boolean).join(" "),
                text,
              }),
            ),
          ),
        ),
        body,
      ),
    ),
    h("div", { class: "pager" }, summary, previous, next),
  );
  const check = main.querySelector(".check label");
  lowOnly.id = "low-only";
  check.htmlFor = "low-only";
  load();
  return { onEvent, refresh: load, leave() {} };
}
