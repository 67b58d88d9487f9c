import { Hono } from "hono";
import type { AppEnv } from "../app-env";

export const opsRoutes = new Hono<AppEnv>();
