// Admins only: the users, their roles and active flags, and a form for a new user. The
// service decides (the last active admin cannot be demoted); refusals show next to the row.

import { api } from "./api.js";
import { alertRegion, field, h, replace, showError } from "./dom.js";
import { explain } from "./forms.js";

const ROLES = ["viewer", "clerk", "admin"];

export function usersView(main) {
  document.title = "Users · Inventory";
  const body = h("tbody");
  const error = alertRegion();
  let left = false;

  async function load() {
    try {
      const page = await api.users({ limit: 100 });
      if (!left) replace(body, page.items.map(row));
    } catch (failure) {
      if (failure.status !== 401) showError(error, failure.message);
    }
  }

  async function change(user, changes) {
    showError(error, "");
    try {
      await api.updateUser(user.id, changes);
    } catch (failure) {
      if (failure.status !== 401) showError(error, `${user.username}: ${explain(failure)}`);
    }
    load();
  }

  function row(user) {
    const role = h(
      "select",
      { "aria-label": `Role of ${user.username}` },
      ROLES.map((value) => h("option", { value, text: value, selected: value === user.role })),
    );
    const active = h("input", {
      type: "checkbox",
      checked: user.active,
      "aria-label": `${user.username} is active`,
    });
    role.addEventListener("change", () => change(user, { role: role.value }));
    active.addEventListener("change", () => change(user, { active: active.checked }));
    return h(
      "tr",
      {},
      h("th", { scope: "row", text: user.username }),
      h("td", { class: "wide", text: user.full_name || "" }),
      h("td", {}, role),
      h("td", {}, active),
    );
  }

  const username = h("input", { name: "username", autocomplete: "off", required: true });
  const password = h("input", {
    name: "password",
    type: "password",
    autocomplete: "new-password",
    required: true,
  });
  const role = h(
    "select",
    { name: "role" },
    ROLES.map((value) => h("option", { value, text: value })),
  );
  const createError = alertRegion();

  async function create(event) {
    event.preventDefault();
    showError(createError, "");
    try {
      await api.createUser({ username: username.value.trim(), password: password.value, role: role.value });
      username.value = "";
      password.value = "";
      load();
    } catch (failure) {
      if (failure.status !== 401) showError(createError, explain(failure));
    }
  }

  replace(
    main,
    h("h1", { text: "Users" }),
    error,
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        {},
        h("caption", { class: "visually-hidden", text: "Users" }),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col", text: "Username" }),
            h("th", { scope: "col", class: "wide", text: "Full name" }),
            h("th", { scope: "col", text: "Role" }),
            h("th", { scope: "col", text: "Active" }),
          ),
        ),
        body,
      ),
    ),
    h(
      "form",
      { class: "card", "aria-labelledby": "new-user-title", onsubmit: create },
      h("h2", { id: "new-user-title", text: "New user" }),
      field("Username", username),
      field("Password", password, "At least 8 characters"),
      field("Role", role),
      createError,
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", text: "Create user" })),
    ),
  );
  load();
  return { refresh: load, leave: () => { left = true; } };
}
