import { Hono } from "hono";
import type { AppEnv } from "../app-env";

export const statsRoutes = new Hono<AppEnv>();
