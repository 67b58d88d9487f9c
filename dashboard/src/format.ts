/** Number and time formatting for the views (en-US digits, UTC times). */

const integer = new Intl.NumberFormat("en-US");
const compact = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });

export const formatCount = (n: number): string => integer.format(n);
export const formatPercent = (fraction: number): string => `${compact.format(fraction * 100)}%`;
export const formatMs = (ms: number | null | undefined): string =>
  ms === null || ms === undefined ? "—" : `${compact.format(ms)} ms`;

/** "2026-11-29 06:00 UTC" */
export const formatTime = (iso: string | number): string =>
  `${new Date(iso).toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** "12 s ago", "3 min ago", "2 h ago". */
export function formatAgo(iso: string | null, now: number = Date.now()): string {
  if (!iso) return "never";
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3600)} h ago`;
}

/** A signed change with an arrow and a word, so direction never depends on colour alone. */
export function formatChange(ratio: number | null): { text: string; direction: "up" | "down" | "flat" } {
  if (ratio === null || !Number.isFinite(ratio)) return { text: "new", direction: "up" };
  if (Math.abs(ratio) < 0.0005) return { text: "→ no change", direction: "flat" };
  const arrow = ratio > 0 ? "▲ up" : "▼ down";
  return { text: `${arrow} ${formatPercent(Math.abs(ratio))}`, direction: ratio > 0 ? "up" : "down" };
}

export const formatBytes = (n: number | null): string => {
  if (n === null) return "—";
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${compact.format(n / 1024)} KiB`;
  return `${compact.format(n / 1024 ** 2)} MiB`;
};
