/**
 * The local stack's state directory: where Miniflare persists D1/KV/R2, and the client-IP salt
 * that must stay the same across restarts (otherwise one client would count as two).
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";

export interface StatePaths {
  d1: string;
  kv: string;
  r2: string;
  salt: string;
}

export function statePaths(stateDir: string): StatePaths {
  const root = path.resolve(stateDir);
  return {
    d1: path.join(root, "d1"),
    kv: path.join(root, "kv"),
    r2: path.join(root, "r2"),
    salt: path.join(root, "client-ip-salt"),
  };
}

/** The salt stored in the state directory, created (random, 32 bytes, owner-only) on first use. */
export async function persistedSalt(file: string): Promise<string> {
  try {
    const salt = (await readFile(file, "utf8")).trim();
    if (salt) return salt;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await mkdir(path.dirname(file), { recursive: true });
  const salt = randomBytes(32).toString("hex");
  await writeFile(file, `${salt}\n`, { mode: 0o600 });
  return salt;
}

/** Thrown when the gateway's port is already taken, so `npm start` can say so plainly. */
export class PortInUseError extends Error {
  override name = "PortInUseError";
  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    super(`port ${port} on ${host} is already in use; stop the other process or set PORT to a free port`);
  }
}

/** Fails with PortInUseError if `host:port` cannot be bound right now (port 0 always can). */
export async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "EADDRINUSE" ? new PortInUseError(host, port) : error),
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
