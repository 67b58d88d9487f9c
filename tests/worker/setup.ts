/** Applies the real migrations to each test file's isolated D1 before its tests run. */
import { applyD1Migrations, env } from "cloudflare:test";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
