import type { Env } from "../env";

export async function scheduled(_controller: ScheduledController, _env: Env): Promise<void> {}
