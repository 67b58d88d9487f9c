/** `npm run build`: writes dist/worker/index.js and prints its size and sha256. */
import { buildWorker } from "./lib/build";

buildWorker().then(
  (bundle) => console.log(`${bundle.file}  ${bundle.contents.byteLength} bytes  sha256 ${bundle.sha256}`),
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
