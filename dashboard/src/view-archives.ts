/**
 * The archive list: one row per archived UTC day (parts, records, size, state) with a download
 * button. Downloads go through fetch with the bearer token (a plain link would need the token in
 * the URL), then are saved from a Blob URL.
 */
import { el, replaceChildren } from "./dom";
import { formatBytes, formatCount } from "./format";
import type { ArchivePart } from "./types";

interface Day {
  day: string;
  parts: number;
  records: number;
  bytes: number;
  statuses: Set<string>;
}

function byDay(parts: readonly ArchivePart[]): Day[] {
  const days = new Map<string, Day>();
  for (const p of parts) {
    const day = days.get(p.day) ?? { day: p.day, parts: 0, records: 0, bytes: 0, statuses: new Set() };
    day.parts += 1;
    day.records += p.records ?? 0;
    day.bytes += p.compressedBytes ?? 0;
    day.statuses.add(p.status);
    days.set(p.day, day);
  }
  return [...days.values()].sort((a, b) => (a.day < b.day ? 1 : -1));
}

/** Draws the archived days; `download(day)` fetches and saves one. */
export function renderArchives(
  container: HTMLElement,
  parts: readonly ArchivePart[],
  download: (day: string) => Promise<void>,
): void {
  const days = byDay(parts);
  if (days.length === 0) {
    replaceChildren(
      container,
      el("p", { class: "note info" }, "No archived days yet (the archive job runs daily)."),
    );
    return;
  }
  const rows = days.map((d) => {
    const button = el("button", { type: "button" }, `Download ${d.day}`);
    const status = el("span", { class: "note", role: "status" });
    button.addEventListener("click", () => {
      button.disabled = true;
      status.textContent = "downloading…";
      download(d.day)
        .then(
          () => {
            status.textContent = "saved";
          },
          (error: unknown) => {
            status.textContent = `failed: ${error instanceof Error ? error.message : error}`;
          },
        )
        .finally(() => {
          button.disabled = false;
        });
    });
    return el(
      "tr",
      { "data-day": d.day },
      el("th", { scope: "row" }, d.day),
      el("td", { class: "num" }, String(d.parts)),
      el("td", { class: "num" }, formatCount(d.records)),
      el("td", { class: "num" }, formatBytes(d.bytes)),
      el("td", {}, [...d.statuses].join(", ")),
      el("td", {}, button, " ", status),
    );
  });
  const head = ["Day (UTC)", "Parts", "Events", "Size (gzip)", "State", "JSONL"];
  replaceChildren(
    container,
    el(
      "table",
      { class: "archives" },
      el("caption", {}, "Archived days in R2 (last 31 days)"),
      el("thead", {}, el("tr", {}, ...head.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, ...rows),
    ),
  );
}

/** Saves a Blob as a file through a temporary Blob URL. */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = el("a", { href: url, download: fileName, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
