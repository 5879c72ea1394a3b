// The live event stream: one WebSocket to /api/v1/events, reopened with exponential backoff
// (and jitter, so a restarted service is not hit by every page at once).
//
// The first socket of a login has no position to resume from, so once it is open (first, as
// docs/deployment.md asks of clients) the page re-reads what it shows (`onResync`): nothing
// changed between its first read and the subscription goes unseen. From then on the page keeps
// the position of the last event it got, and every reconnection asks for `after=<position>`:
// the service replays what the page missed from its outbox, then goes on live with no gap or
// duplicate at the seam, so a reconnection re-reads nothing (docs/events.md).

const POLICY_VIOLATION = 1008;
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 30000;

export class LiveEvents {
  constructor({ indicator, tokenOf, renew, onEvent, onResync, onRefused }) {
    this.indicator = indicator;
    this.tokenOf = tokenOf;
    this.renew = renew;
    this.onEvent = onEvent;
    this.onResync = onResync;
    this.onRefused = onRefused;
    this.socket = null;
    this.timer = null;
    this.failures = 0;
    this.stopped = true;
    this.renewed = false; // refreshed for this socket, and not opened since
    this.position = null; // of the last event received; null until the first one
  }

  start() {
    this.stopped = false;
    this.failures = 0;
    this.position = null; // a new login reads its view afresh
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.socket) this.socket.close(1000, "logged out");
    this.socket = null;
    this.show("off", "Live updates off");
  }

  connect() {
    const token = this.tokenOf();
    if (this.stopped || !token) return;
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const resume = this.position;
    const after = resume === null ? "" : `&after=${resume}`;
    const url = `${scheme}//${location.host}/api/v1/events?token=${encodeURIComponent(token)}${after}`;
    this.usedToken = token;
    this.show("connecting", "Connecting…");
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.addEventListener("open", () => {
      if (socket !== this.socket) return;
      this.failures = 0;
      this.renewed = false;
      this.show("live", "Live");
      if (resume === null) this.onResync(); // else the replay brings what was missed
    });
    socket.addEventListener("message", (message) => {
      if (socket !== this.socket) return;
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      if (!event || event.type === "heartbeat") return;
      if (Number.isSafeInteger(event.position)) this.position = event.position;
      this.onEvent(event);
    });
    socket.addEventListener("close", (closed) => {
      if (socket !== this.socket || this.stopped) return;
      this.socket = null;
      if (closed.code === POLICY_VIOLATION) this.refused(closed.reason);
      else this.retry();
    });
  }

  // Refused for its token (run out, or the session ended): once with a fresh access token
  // (refreshed by now, or through the cookie), then the session is over.
  async refused(reason) {
    const fresh = this.tokenOf();
    if (!this.renewed) {
      this.renewed = true;
      this.show("reconnecting", "Reconnecting…");
      if ((fresh && fresh !== this.usedToken) || (await this.renew())) {
        this.connect();
        return;
      }
    }
    if (this.stopped) return;
    this.stopped = true;
    this.show("off", "Live updates off");
    this.onRefused(reason);
  }

  retry() {
    const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** this.failures);
    this.failures += 1;
    const wait = Math.round(delay / 2 + (Math.random() * delay) / 2);
    this.show("reconnecting", `Reconnecting in ${Math.ceil(wait / 1000)} s`);
    this.timer = setTimeout(() => this.connect(), wait);
  }

  show(state, text) {
    this.indicator.dataset.state = state;
    this.indicator.textContent = text;
  }
}
