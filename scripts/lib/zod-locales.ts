/**
 * esbuild plugin: zod's English messages only. `import { z } from "zod"` re-exports every locale
 * as `z.locales` (zod/v4/classic/external.js), and a namespace used as a value cannot be
 * tree-shaken, so ~190 KiB of other languages' error messages (about a third of the minified
 * Worker) would ride along although nothing reads them: zod sets English itself by importing
 * locales/en.js directly. The locales index is replaced by one that exports `en` only; calling
 * `z.locales.de()` would be a type-correct runtime error, and the Worker never does.
 */
import path from "node:path";
import type { Plugin } from "esbuild";

/** The locales index zod's classic and core entry points re-export. */
const LOCALES_INDEX = /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/;

export const englishOnlyZodLocales = (): Plugin => ({
  name: "zod-english-only",
  setup(b) {
    b.onLoad({ filter: LOCALES_INDEX }, (args) => ({
      contents: 'export { default as en } from "./en.js";\n',
      loader: "js",
      resolveDir: path.dirname(args.path),
    }));
  },
});
