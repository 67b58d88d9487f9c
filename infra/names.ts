/** Names of deployed things: every Cloudflare resource of a stack is called `pathmeter-<stack>-<logical>`. */

export const PROJECT = "pathmeter";

/** `pathmeter-<stack>-<logical>`, e.g. `pathmeter-dev-events`. */
export const resourceName = (stack: string, logical: string): string => `${PROJECT}-${stack}-${logical}`;

/** The Worker script's name (also its workers.dev hostname label). */
export const scriptName = (stack: string): string => resourceName(stack, "gateway");

/** R2 key prefix of the archive job's objects (`archive/YYYY/MM/DD/part-NNNN.jsonl.gz`). */
export const ARCHIVE_PREFIX = "archive/";
