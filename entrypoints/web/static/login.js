// The OAuth2 password form. Wrong credentials and throttling are shown next to the form; a 429
// counts down from its Retry-After before the form can be sent again.

import { api, forget, logIn } from "./api.js";
import { alertRegion, field, h, replace, showError } from "./dom.js";

let retryAt = 0; // survives re-rendering the form: throttling is per user, not per form
let countdown = null;

export function loginView(main, { message, onLoggedIn }) {
  const username = h("input", { name: "username", autocomplete: "username", required: true });
  const password = h("input", {
    type: "password",
    name: "password",
    autocomplete: "current-password",
    required: true,
  });
  const submit = h("button", { type: "submit", class: "primary", text: "Log in" });
  const error = alertRegion();
  const notice = message ? h("p", { class: "notice", role: "status", text: message }) : null;

  function tick() {
    const left = Math.ceil((retryAt - Date.now()) / 1000);
    if (left > 0) {
      submit.disabled = true;
      showError(error, `Too many failed attempts. You can try again in ${left} s.`);
      return;
    }
    clearInterval(countdown);
    countdown = null;
    submit.disabled = false;
    showError(error, "You can try again now.");
  }

  function throttle(seconds) {
    retryAt = Date.now() + seconds * 1000;
    clearInterval(countdown);
    countdown = setInterval(tick, 1000);
    tick();
  }

  async function send(event) {
    event.preventDefault();
    if (submit.disabled) return;
    submit.disabled = true;
    showError(error, "");
    try {
      await logIn(username.value.trim(), password.value);
      onLoggedIn(await api.me());
    } catch (failure) {
      forget();
      submit.disabled = false;
      password.value = "";
      if (failure.status === 429) {
        const header = Number.parseInt(failure.headers.get("Retry-After") || "", 10);
        throttle(Number.isFinite(header) ? header : failure.problem.retry_after || 60);
      } else if (failure.status === 401) {
        showError(error, "Wrong username or password.");
      } else {
        showError(error, failure.message);
      }
      password.focus();
    }
  }

  const form = h(
    "form",
    { class: "card login", "aria-labelledby": "login-title", onsubmit: send },
    h("h1", { id: "login-title", text: "Log in" }),
    notice,
    field("Username", username),
    field("Password", password),
    error,
    h("div", { class: "actions" }, submit),
  );
  replace(main, form);
  if (retryAt > Date.now() && countdown === null) throttle((retryAt - Date.now()) / 1000);
  username.focus();
}
