/**
 * The dashboard's HTML: a static shell (sign-in form and empty sections) that the hashed script
 * fills in once signed in. No inline script or style, so the CSP can forbid both. The hooks
 * people script against (ARCHITECTURE.md: `data-metric`/`data-value`, `data-path`/`data-method`,
 * `data-live`) are rendered by dashboard/src/. The empty icon keeps the browser from asking the
 * proxied API for /favicon.ico (which would be recorded as traffic).
 */

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

export interface PageOptions {
  /** The reserved prefix, e.g. /_pathmeter (the script reads it from data-prefix). */
  prefix: string;
  scriptName: string;
  styleName: string;
}

/** The page. The script is deferred: it runs once the document is parsed. */
export function dashboardPage({ prefix, scriptName, styleName }: PageOptions): string {
  const assets = `${escapeHtml(prefix)}/dashboard/assets`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>pathmeter dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${assets}/${escapeHtml(styleName)}">
<script defer src="${assets}/${escapeHtml(scriptName)}"></script>
</head>
<body data-live="closed" data-prefix="${escapeHtml(prefix)}">
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <h1>pathmeter</h1>
  <p class="live-state" id="live-state" role="status" aria-live="polite">Live updates: off</p>
  <button type="button" id="sign-out" hidden>Sign out</button>
</header>
<section id="sign-in" class="sign-in" aria-labelledby="sign-in-title">
  <h2 id="sign-in-title">Sign in</h2>
  <form id="sign-in-form" autocomplete="off">
    <label for="token">Admin token</label>
    <input id="token" name="token" type="password" required autocomplete="current-password" spellcheck="false">
    <button type="submit">Sign in</button>
    <p id="sign-in-error" class="error" role="alert" hidden></p>
  </form>
  <p class="hint">The token is kept in this tab only (sessionStorage) and sent as a bearer token.</p>
  <noscript><p class="error">The dashboard needs JavaScript.</p></noscript>
</section>
<main id="main" hidden tabindex="-1"></main>
</body>
</html>
`;
}
