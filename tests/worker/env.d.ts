/** The test pool's env: the Worker's Env plus the migrations the setup file applies. */
import type { D1Migration } from "cloudflare:test";
import type { Env as WorkerEnv } from "../../worker/src/env";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}
