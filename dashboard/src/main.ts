/**
 * Entry of the dashboard page: token sign-in (kept in sessionStorage, never in a URL), sign-out,
 * and the live state on <body data-live>. Everything else is the Dashboard controller.
 */
import { Api, ApiFailure } from "./api";
import { Dashboard } from "./controller";
import { byId } from "./dom";
import type { LiveState } from "./live";

const TOKEN_KEY = "pathmeter.token";
const prefix = document.body.dataset.prefix ?? "/_pathmeter";

const signIn = byId<HTMLElement>("sign-in");
const form = byId<HTMLFormElement>("sign-in-form");
const tokenInput = byId<HTMLInputElement>("token");
const signInError = byId<HTMLElement>("sign-in-error");
const main = byId<HTMLElement>("main");
const signOutButton = byId<HTMLButtonElement>("sign-out");
const liveState = byId<HTMLElement>("live-state");

let dashboard: Dashboard | null = null;

const LIVE_WORDS: Record<LiveState, string> = { open: "live", polling: "polling", closed: "off" };

function showLiveState(state: LiveState, detail: string): void {
  document.body.dataset.live = state;
  liveState.textContent = `Live updates: ${LIVE_WORDS[state]}${detail && detail !== LIVE_WORDS[state] ? ` (${detail})` : ""}`;
}

function showSignIn(message: string | null): void {
  dashboard?.stop();
  dashboard = null;
  sessionStorage.removeItem(TOKEN_KEY);
  main.hidden = true;
  main.replaceChildren();
  signOutButton.hidden = true;
  signIn.hidden = false;
  signInError.hidden = message === null;
  signInError.textContent = message ?? "";
  showLiveState("closed", "off");
  tokenInput.focus();
}

/** Checks the token with one cheap call, then opens the dashboard. */
async function open(token: string): Promise<void> {
  const api = new Api(prefix, token);
  try {
    await api.get("/api/ops/health");
  } catch (error) {
    if (error instanceof ApiFailure && error.kind === "unauthorized") {
      showSignIn(
        "That token was not accepted (HTTP 401). Use the ADMIN_TOKEN of this deployment; `npm start` prints the local one.",
      );
      return;
    }
    // Any other failure is the sections' to show; the token itself may be fine.
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  signIn.hidden = true;
  signInError.hidden = true;
  main.hidden = false;
  signOutButton.hidden = false;
  dashboard = new Dashboard(main, api, token, {
    onUnauthorized: (message) => showSignIn(message),
    onLiveState: showLiveState,
  });
  main.focus();
  await dashboard.start();
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const token = tokenInput.value.trim();
  tokenInput.value = "";
  if (token) void open(token);
});

signOutButton.addEventListener("click", () => showSignIn(null));

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) void open(saved);
else showSignIn(null);
