// The page's shell: log in (or go on with the session of the refresh cookie, after a reload),
// then route between the items list, an item and the users page (hash routes, so the service
// serves one document), with the live stream feeding the view.

import { api, currentToken, forget, logOut, onSessionEnded, refreshSession } from "./api.js";
import { itemView } from "./item.js";
import { itemsView } from "./items.js";
import { LiveEvents } from "./live.js";
import { loginView } from "./login.js";
import { usersView } from "./users.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const usersLink = document.getElementById("nav-users");
const who = document.getElementById("who");
const logout = document.getElementById("logout");
const ITEM_ROUTE = /^#\/items\/([0-9a-f-]{36})$/;

const state = { user: null, view: null };

const live = new LiveEvents({
  indicator: document.getElementById("live"),
  tokenOf: currentToken,
  renew: refreshSession,
  onEvent: (event) => state.view?.onEvent?.(event),
  onResync: () => state.view?.refresh?.(),
  onRefused: () => endSession("Your session has ended: please log in again."),
});

function chrome(user) {
  nav.hidden = !user;
  logout.hidden = !user;
  usersLink.hidden = !user || user.role !== "admin";
  who.textContent = user ? `${user.username} (${user.role})` : "";
}

function leaveView() {
  state.view?.leave?.();
  state.view = null;
}

function endSession(message) {
  forget();
  state.user = null;
  leaveView();
  live.stop();
  chrome(null);
  showLogin(message);
}

function showLogin(message) {
  document.title = "Log in · Inventory";
  loginView(main, {
    message,
    onLoggedIn: enter,
  });
}

function enter(user) {
  state.user = user;
  chrome(user);
  live.start();
  route();
}

/** After a reload: the cookie's session, if it still runs, without asking to log in. */
async function restore() {
  if (await refreshSession()) {
    try {
      enter(await api.me());
      return;
    } catch {
      forget();
    }
  }
  showLogin();
}

function route() {
  if (!state.user) return;
  leaveView();
  const context = {
    user: state.user,
    canWrite: state.user.role === "clerk" || state.user.role === "admin",
    isAdmin: state.user.role === "admin",
  };
  const hash = location.hash || "#/items";
  const item = hash.match(ITEM_ROUTE);
  if (item) state.view = itemView(main, context, item[1]);
  else if (hash === "#/users" && context.isAdmin) state.view = usersView(main, context);
  else state.view = itemsView(main, context);
  // Where a keyboard or screen-reader user lands after the view changed: its heading.
  const title = main.querySelector("h1");
  if (title) {
    title.tabIndex = -1;
    title.focus();
  }
  for (const link of nav.querySelectorAll("a")) {
    const current = hash.startsWith(link.getAttribute("href"));
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

onSessionEnded(endSession);
logout.addEventListener("click", async () => {
  logout.disabled = true;
  await logOut();
  logout.disabled = false;
  endSession("You have logged out.");
});
window.addEventListener("hashchange", route);
restore();
