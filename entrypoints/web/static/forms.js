// The forms that change an item (clerks and admins only; the server refuses the rest anyway):
// a stock movement, an edit guarded by If-Match, and the picture upload. Each shows the
// service's refusal next to itself.

import { api, newKey } from "./api.js";
import { alertRegion, field, h, showError } from "./dom.js";

const REASONS = ["received", "sold", "returned", "damaged", "lost", "correction"];
const PICTURE_TYPES = "image/png,image/jpeg,image/gif,image/webp";

/** What a refusal means for the person at the form, in their words. */
export function explain(failure) {
  const problem = failure.problem || {};
  if (failure.status === 403) return "Your role does not allow this change.";
  if (problem.code === "insufficient_stock") {
    return `Only ${problem.available} available: cannot remove ${problem.requested}.`;
  }
  if (Array.isArray(problem.errors) && problem.errors.length) {
    return problem.errors
      .map((e) => `${e.location[e.location.length - 1]}: ${e.message}`)
      .join("; ");
  }
  return failure.message;
}

function optional(text) {
  const value = text.trim();
  return value === "" ? null : value;
}

export function movementForm(shared) {
  const reason = h(
    "select",
    { name: "reason" },
    REASONS.map((value) => h("option", { value, text: value })),
  );
  const delta = h("input", { name: "delta", type: "number", step: "1", required: true });
  const reference = h("input", { name: "reference", maxlength: "200", autocomplete: "off" });
  const submit = h("button", { type: "submit", class: "primary", text: "Record movement" });
  const error = alertRegion();
  // Sent again with the same key when the answer was lost (no answer, or a 5xx), so the retry
  // cannot record the movement twice; a changed movement gets a key of its own.
  let pending = null;

  async function send(event) {
    event.preventDefault();
    showError(error, "");
    const amount = Number(delta.value);
    if (!Number.isInteger(amount) || amount === 0) {
      showError(error, "The change must be a whole number other than 0.");
      return;
    }
    submit.disabled = true;
    const movement = { reason: reason.value, delta: amount, reference: optional(reference.value) };
    const body = JSON.stringify(movement);
    if (!pending || pending.body !== body) pending = { body, key: newKey() };
    try {
      const change = await api.move(shared.id, movement, pending.key);
      pending = null;
      delta.value = "";
      reference.value = "";
      shared.changed(change.item);
    } catch (failure) {
      if (failure.status >= 400 && failure.status < 500) pending = null;
      if (failure.status !== 401) showError(error, explain(failure));
    } finally {
      submit.disabled = false;
    }
  }

  return h(
    "form",
    { class: "card", id: "movement-form", "aria-labelledby": "movement-title", onsubmit: send },
    h("h2", { id: "movement-title", text: "Record a movement" }),
    field("Reason", reason),
    field("Change", delta, "Positive adds stock, negative removes it"),
    field("Reference", reference, "Optional: an order or delivery number"),
    error,
    h("div", { class: "actions" }, submit),
  );
}

export function editForm(shared) {
  let version = null; // the version the form was opened on: the If-Match of the change
  const name = h("input", { name: "name", required: true, maxlength: "200" });
  const description = h("textarea", { name: "description", rows: "2" });
  const price = h("input", { name: "unit_price", inputmode: "decimal", required: true });
  const tax = h("input", { name: "tax_rate", inputmode: "decimal" });
  const reorder = h("input", { name: "reorder_level", type: "number", min: "0", step: "1" });
  const submit = h("button", { type: "submit", class: "primary", text: "Save changes" });
  const cancel = h("button", { type: "button", text: "Cancel" });
  const open = h("button", { type: "button", text: "Edit item", "aria-expanded": "false" });
  const reload = h("button", { type: "button", text: "Reload the item", hidden: true });
  const error = alertRegion();

  function fill(item) {
    version = item.version;
    name.value = item.name;
    description.value = item.description || "";
    price.value = item.unit_price;
    tax.value = item.tax_rate || "";
    reorder.value = String(item.reorder_level);
    reload.hidden = true;
    showError(error, "");
  }

  function toggle(show) {
    form.hidden = !show;
    open.setAttribute("aria-expanded", String(show));
    if (show) {
      fill(shared.current());
      name.focus();
    }
  }

  async function send(event) {
    event.preventDefault();
    showError(error, "");
    submit.disabled = true;
    try {
      const updated = await api.update(shared.id, version, {
        name: name.value,
        description: optional(description.value),
        unit_price: price.value.trim(),
        tax_rate: optional(tax.value),
        reorder_level: Number(reorder.value),
      });
      toggle(false);
      shared.changed(updated);
    } catch (failure) {
      if (failure.status === 412) {
        showError(error, "This item was changed by someone else since you opened the form.");
        reload.hidden = false;
      } else if (failure.status !== 401) {
        showError(error, explain(failure));
      }
    } finally {
      submit.disabled = false;
    }
  }

  reload.addEventListener("click", async () => {
    const item = await shared.reload();
    if (item) fill(item);
    name.focus();
  });
  open.addEventListener("click", () => toggle(form.hidden));
  cancel.addEventListener("click", () => toggle(false));
  const form = h(
    "form",
    { class: "card", id: "edit-form", "aria-labelledby": "edit-title", onsubmit: send, hidden: true },
    h("h2", { id: "edit-title", text: "Edit item" }),
    field("Name", name),
    field("Description", description),
    field("Unit price", price, "For example 12.50"),
    field("Tax rate (%)", tax, "Empty for no tax"),
    field("Reorder level", reorder),
    error,
    h("div", { class: "actions" }, submit, cancel, reload),
  );
  return h("div", { class: "edit" }, open, form);
}

export function pictureForm(shared) {
  const file = h("input", { name: "file", type: "file", accept: PICTURE_TYPES, required: true });
  const submit = h("button", { type: "submit", text: "Upload picture" });
  const error = alertRegion();

  async function send(event) {
    event.preventDefault();
    showError(error, "");
    if (!file.files.length) {
      showError(error, "Choose a picture first.");
      return;
    }
    submit.disabled = true;
    try {
      const updated = await api.upload(shared.id, file.files[0]);
      file.value = "";
      shared.changed(updated, { picture: true });
    } catch (failure) {
      if (failure.status === 413) {
        const limit = failure.problem.limit;
        showError(
          error,
          limit
            ? `The picture is too large: at most ${Math.floor(limit / 1024)} KB.`
            : "The picture is too large.",
        );
      } else if (failure.status === 415) {
        showError(error, "That file is not a picture: use PNG, JPEG, GIF or WebP.");
      } else if (failure.status !== 401) {
        showError(error, explain(failure));
      }
    } finally {
      submit.disabled = false;
    }
  }

  return h(
    "form",
    { class: "card", id: "picture-form", "aria-labelledby": "picture-title", onsubmit: send },
    h("h2", { id: "picture-title", text: "Picture" }),
    field("Picture file", file, "PNG, JPEG, GIF or WebP"),
    error,
    h("div", { class: "actions" }, submit),
  );
}
