import { Hono } from "hono";
import type { AppEnv } from "../app-env";

export const ingestRoutes = new Hono<AppEnv>();
