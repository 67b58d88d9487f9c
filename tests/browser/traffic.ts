/**
 * Traffic for the browser tests: requests through the gateway to the demo upstream (several
 * paths, methods, some 404s and 500s, one path as long as a path can be), then wait until the
 * consumer stored them.
 */
import type { LocalStack } from "../../scripts/local-stack";
import { MAX_PATH_LENGTH } from "../../worker/src/event";
import { adminApi, waitForEventsStored } from "../e2e/helpers";

/**
 * A path of MAX_PATH_LENGTH characters with no break opportunity (letters only, no digits, so the
 * normaliser keeps it as it is): any client can create one through the gateway.
 */
export const LONG_PATH = `/reports/${"quarterlyrevenuebyregion".repeat(11)}`.slice(0, MAX_PATH_LENGTH);

const REQUESTS: { method: string; path: string }[] = [
  { method: "GET", path: "/users/7" },
  { method: "GET", path: "/users/42" },
  { method: "GET", path: "/users/13/orders" }, // every 13th user's orders fail: a 500
  { method: "GET", path: "/users/900" }, // no such user: a 404
  { method: "GET", path: "/products?page=2" },
  { method: "POST", path: "/orders" },
  { method: "GET", path: "/health" },
  { method: "GET", path: LONG_PATH }, // no such route upstream: a 404
];

/** Sends `rounds` × REQUESTS.length requests from a few client IPs; returns how many were sent. */
export async function sendTraffic(stack: LocalStack, rounds: number): Promise<number> {
  let sent = 0;
  for (let round = 0; round < rounds; round++)
    for (const [i, r] of REQUESTS.entries()) {
      const res = await fetch(`${stack.url}${r.path}`, {
        method: r.method,
        headers: {
          "CF-Connecting-IP": `203.0.113.${(round * REQUESTS.length + i) % 11}`,
          "Content-Type": "application/json",
        },
        body:
          r.method === "POST"
            ? JSON.stringify({ userId: 7, items: [{ productId: 3, quantity: 1 }] })
            : undefined,
      });
      await res.arrayBuffer();
      sent += 1;
    }
  return sent;
}

/** Sends traffic and waits until every event of it is stored. */
export async function sendAndStore(stack: LocalStack, rounds: number): Promise<number> {
  const before = (await adminApi(stack).health()).eventsStored;
  const sent = await sendTraffic(stack, rounds);
  await waitForEventsStored(stack, before + sent);
  return before + sent;
}
