// One item: its details, picture and paged movement history, and for clerks and admins the
// forms that change it (forms.js). Live events for this item re-read it; an open edit form
// keeps the version it started from, so a conflicting edit is caught by If-Match (412).

import { api } from "./api.js";
import { alertRegion, formatWhen, h, replace, showError } from "./dom.js";
import { editForm, movementForm, pictureForm } from "./forms.js";

const MOVEMENTS_PAGE = 10;

export function itemView(main, context, id) {
  document.title = "Item · Inventory";
  let item = null;
  let movementsOffset = 0;
  let pictureUrl = null;
  let pictureLoads = 0;
  let left = false;

  const heading = h("h1", { text: "Item" });
  const details = h("dl", { class: "details" });
  const picture = h("div", { class: "picture" });
  const error = alertRegion();
  const movementsBody = h("tbody");
  const movementsSummary = h("p", { class: "summary", "aria-live": "polite" });
  const previous = h("button", { type: "button", text: "Newer" });
  const next = h("button", { type: "button", text: "Older" });
  const tools = h("div", { class: "tools" });

  const shared = {
    id,
    current: () => item,
    changed(updated, { picture = false } = {}) {
      show(updated);
      if (picture) loadPicture();
      loadMovements();
    },
    reload: loadItem,
  };

  async function loadItem() {
    try {
      const loaded = await api.item(id);
      if (!left) show(loaded);
      return loaded;
    } catch (failure) {
      if (failure.status === 404) gone("There is no such item: it may have been deleted.");
      else if (failure.status !== 401) showError(error, failure.message);
      return null;
    }
  }

  function show(updated) {
    const pictureChanged = !item || item.has_image !== updated.has_image;
    item = updated;
    heading.textContent = item.name;
    document.title = `${item.name} · Inventory`;
    const pairs = [
      ["SKU", item.sku],
      ["Quantity", `${item.quantity}${item.low_stock ? " (low stock)" : ""}`],
      ["Reorder level", String(item.reorder_level)],
      ["Unit price", item.unit_price],
      ["Tax rate", item.tax_rate === null ? "none" : `${item.tax_rate} %`],
      ["Price with tax", item.price_with_tax],
      ["Description", item.description || "none"],
      ["Version", String(item.version)],
    ];
    replace(
      details,
      pairs.map(([term, value]) => [
        h("dt", { text: term }),
        h("dd", { class: term === "Quantity" ? "quantity" : null, text: value }),
      ]),
    );
    details.classList.toggle("low", item.low_stock);
    if (pictureChanged) loadPicture();
  }

  async function loadPicture() {
    const mine = ++pictureLoads;
    let url = null;
    if (item.has_image) {
      try {
        url = URL.createObjectURL(await (await api.image(id)).blob());
      } catch {
        url = null;
      }
    }
    if (left || mine !== pictureLoads) {
      if (url) URL.revokeObjectURL(url);
      return;
    }
    if (pictureUrl) URL.revokeObjectURL(pictureUrl);
    pictureUrl = url;
    replace(
      picture,
      url
        ? h("img", { src: url, alt: `Picture of ${item.name}` })
        : h("p", { class: "muted", text: "No picture" }),
    );
  }

  async function loadMovements() {
    try {
      const page = await api.movements(id, { offset: movementsOffset, limit: MOVEMENTS_PAGE });
      if (left) return;
      replace(movementsBody, page.items.map(movementRow));
      if (page.items.length === 0) {
        movementsBody.append(h("tr", {}, h("td", { colspan: 6, text: "No movements yet." })));
      }
      const last = page.offset + page.items.length;
      movementsSummary.textContent = page.total
        ? `Movements ${page.offset + 1} to ${last} of ${page.total}, newest first`
        : "No movements";
      previous.disabled = page.offset === 0;
      next.disabled = last >= page.total;
    } catch (failure) {
      if (failure.status !== 401 && failure.status !== 404) showError(error, failure.message);
    }
  }

  function movementRow(movement) {
    const delta = movement.delta > 0 ? `+${movement.delta}` : String(movement.delta);
    return h(
      "tr",
      {},
      h("td", { text: formatWhen(movement.occurred_at) }),
      h("td", { text: movement.reason }),
      h("td", { class: "num", text: delta }),
      h("td", { class: "num", text: String(movement.quantity_after) }),
      h("td", { text: movement.reference || "" }),
      h("td", { class: "wide", text: movement.note || "" }),
    );
  }

  function gone(message) {
    showError(error, message);
    tools.hidden = true;
  }

  previous.addEventListener("click", () => {
    movementsOffset = Math.max(0, movementsOffset - MOVEMENTS_PAGE);
    loadMovements();
  });
  next.addEventListener("click", () => {
    movementsOffset += MOVEMENTS_PAGE;
    loadMovements();
  });

  function onEvent(event) {
    if (event.item_id !== id || !item) return;
    if (event.type === "item.deleted") gone("This item has just been deleted by someone else.");
    else if (event.version > item.version) {
      refresh();
      if (event.type === "item.updated" && (event.changed || []).includes("image")) loadPicture();
    }
  }

  function refresh() {
    loadItem();
    loadMovements();
  }

  const headings = ["When", "Reason", "Change", "Quantity after", "Reference", "Note"];
  const columnClass = { Change: "num", "Quantity after": "num", Note: "wide" };
  replace(
    main,
    h("p", { class: "crumbs" }, h("a", { href: "#/items", text: "Back to items" })),
    heading,
    error,
    h("div", { class: "item-top" }, details, picture),
    tools,
    h("h2", { id: "movements-title", text: "Movements" }),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { "aria-labelledby": "movements-title" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            headings.map((text) =>
              h("th", { scope: "col", class: columnClass[text] || null, text }),
            ),
          ),
        ),
        movementsBody,
      ),
    ),
    h("div", { class: "pager" }, movementsSummary, previous, next),
  );
  loadItem().then((loaded) => {
    if (loaded && context.canWrite && !left) {
      replace(tools, movementForm(shared), editForm(shared), pictureForm(shared));
    }
  });
  loadMovements();
  return {
    onEvent,
    refresh,
    leave() {
      left = true;
      if (pictureUrl) URL.revokeObjectURL(pictureUrl);
    },
  };
}
