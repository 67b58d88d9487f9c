/**
 * Global setup of the worker test project (runs in vitest's main process, beside the pool):
 * drops the one workerd log line that is not about the code under test.
 *
 * Why: @cloudflare/vitest-pool-workers 0.15.1 prints every workerd log line that is not on its
 * built-in ignore list (`ignoreMessages` in its dist/pool/index.mjs, which already skips
 * "disconnected: WebSocket was aborted"), and the pool itself closes the runner WebSocket of each
 * test file, which workerd logs as "…web-socket.c++:NNN: disconnected: WebSocket peer
 * disconnected". The list cannot be extended by configuration, so that exact line is filtered
 * here (the pool writes it to stdout or stderr by its level); every other line still shows.
 */

/** The whole line workerd writes when the pool closes a test file's runner socket. */
const PEER_DISCONNECTED =
  /^exception = workerd\/api\/web-socket\.c\+\+:\d+: disconnected: WebSocket peer disconnected\r?\n?$/;

/** Whether a chunk written to stdout or stderr is only the pool's own socket-closed line. */
export function isPoolDisconnectNoise(chunk: unknown): boolean {
  const text =
    typeof chunk === "string" ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString() : "";
  return PEER_DISCONNECTED.test(text);
}

/** Wraps a stream's write so that it drops the noise line. */
function filterWrites(stream: NodeJS.WriteStream): void {
  const write = stream.write;
  stream.write = ((chunk: unknown, ...rest: unknown[]): boolean => {
    if (!isPoolDisconnectNoise(chunk)) return Reflect.apply(write, stream, [chunk, ...rest]);
    // A caller waiting for the write's callback still gets it.
    const callback = rest.find((arg) => typeof arg === "function");
    if (typeof callback === "function") process.nextTick(() => callback());
    return true;
  }) as typeof write;
}

/**
 * Installs the filter for the rest of the run. Not undone at teardown: the pool closes the last
 * runner sockets after the global teardown, and those lines are the same noise.
 */
export default function setup(): void {
  filterWrites(process.stdout);
  filterWrites(process.stderr);
}
