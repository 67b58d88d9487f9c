/**
 * The signed-in page's sections, built once after sign-in: the range picker, then the headline
 * figures, chart, leaderboard, comparison, error breakdown, pipeline health and archives.
 */
import { el } from "./dom";
import { DEFAULT_PRESET, PRESETS } from "./range";
import { METHODS } from "./view-leaderboard";

export interface Layout {
  rangePicker: HTMLFieldSetElement;
  customFrom: HTMLInputElement;
  customTo: HTMLInputElement;
  customApply: HTMLButtonElement;
  customBox: HTMLElement;
  rangeLabel: HTMLElement;
  headline: HTMLElement;
  chart: HTMLElement;
  chartBack: HTMLButtonElement;
  leaderboard: HTMLElement;
  methodFilter: HTMLSelectElement;
  errors: HTMLElement;
  compare: HTMLElement;
  health: HTMLElement;
  archives: HTMLElement;
}

const section = (id: string, title: string, ...content: (HTMLElement | null)[]) =>
  el(
    "section",
    { id, class: "panel", "aria-labelledby": `${id}-title` },
    el("h2", { id: `${id}-title` }, title),
    ...content,
  );

function rangePicker(): Pick<
  Layout,
  "rangePicker" | "customFrom" | "customTo" | "customApply" | "customBox"
> {
  const choices = [...PRESETS.map((p) => ({ id: p.id, label: p.label })), { id: "custom", label: "custom" }];
  const customFrom = el("input", { type: "datetime-local", id: "range-from", name: "from" });
  const customTo = el("input", { type: "datetime-local", id: "range-to", name: "to" });
  const customApply = el("button", { type: "button", id: "range-apply" }, "Apply");
  const customBox = el(
    "div",
    { class: "custom-range", hidden: true },
    el("label", { for: "range-from" }, "From (UTC)"),
    customFrom,
    el("label", { for: "range-to" }, "To (UTC)"),
    customTo,
    customApply,
  );
  const rangePicker = el(
    "fieldset",
    { class: "range-picker" },
    el("legend", {}, "Range"),
    ...choices.map((c) =>
      el(
        "label",
        { class: "choice" },
        el("input", { type: "radio", name: "range", value: c.id, checked: c.id === DEFAULT_PRESET }),
        ` ${c.label}`,
      ),
    ),
    customBox,
  );
  return { rangePicker, customFrom, customTo, customApply, customBox };
}

/** Builds the sections into `main` and returns the elements the controller drives. */
export function buildLayout(main: HTMLElement): Layout {
  const picker = rangePicker();
  const rangeLabel = el("p", { class: "range-label", role: "status" });
  const headline = el("div", { class: "figures", id: "figures" });
  const chart = el("div", { class: "chart", id: "chart" });
  const chartBack = el("button", { type: "button", id: "chart-all", hidden: true }, "← Back to all traffic");
  const methodFilter = el(
    "select",
    { id: "method-filter", name: "method" },
    el("option", { value: "" }, "all methods"),
    ...METHODS.map((m) => el("option", { value: m }, m)),
  );
  const leaderboard = el("div", { id: "leaderboard" });
  const errors = el("div", { id: "errors" });
  const compare = el("div", { id: "compare" });
  const health = el("div", { id: "health" });
  const archives = el("div", { id: "archives" });
  main.replaceChildren(
    el("div", { class: "toolbar" }, picker.rangePicker, rangeLabel),
    section("overview", "Overview", headline),
    section("traffic", "Traffic over time", chartBack, chart),
    section(
      "paths",
      "Paths",
      el("div", { class: "filters" }, el("label", { for: "method-filter" }, "Method "), methodFilter),
      leaderboard,
    ),
    section("comparison", "Compared with the previous period", compare),
    section("status", "Errors by status class", errors),
    section("pipeline", "Pipeline health", health),
    section("archive", "Archives", archives),
  );
  return {
    ...picker,
    rangeLabel,
    headline,
    chart,
    chartBack,
    leaderboard,
    methodFilter,
    errors,
    compare,
    health,
    archives,
  };
}
