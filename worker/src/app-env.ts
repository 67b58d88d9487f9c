/** hono's typing of this app: the Worker env plus the config parsed once per request. */
import type { Config } from "./config";
import type { Env } from "./env";

export interface AppEnv {
  Bindings: Env;
  Variables: { config: Config };
}
