/**
 * The page's calls to the pathmeter API: every one with the bearer token, errors turned into
 * typed failures the views can branch on (a wrong token, an endpoint this Worker does not have).
 */

/** Why a call failed: the token was refused, the endpoint does not exist here, or anything else. */
export type ApiFailureKind = "unauthorized" | "not_available" | "failed";

export class ApiFailure extends Error {
  constructor(
    readonly kind: ApiFailureKind,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

type Params = Record<string, string | number | undefined>;

/** A client bound to one token and the Worker's reserved prefix. */
export class Api {
  constructor(
    private readonly prefix: string,
    private readonly token: string,
  ) {}

  private url(route: string, params: Params = {}): string {
    const url = new URL(`${this.prefix}${route}`, location.origin);
    for (const [name, value] of Object.entries(params))
      if (value !== undefined) url.searchParams.set(name, String(value));
    return url.pathname + url.search;
  }

  private async send(method: "GET" | "POST", route: string, params?: Params, body?: unknown) {
    let res: Response;
    try {
      res = await fetch(this.url(route, params), {
        method,
        headers: {
          Authorization: `Bearer ${this.token}`,
          Accept: "application/json",
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
      });
    } catch (error) {
      throw new ApiFailure("failed", `network error: ${error instanceof Error ? error.message : error}`, 0);
    }
    if (res.ok) return res;
    const message = await errorMessage(res);
    if (res.status === 401) throw new ApiFailure("unauthorized", message, 401);
    if (res.status === 404) throw new ApiFailure("not_available", message, 404);
    throw new ApiFailure("failed", message, res.status);
  }

  /** GET a JSON document. */
  async get<T>(route: string, params?: Params): Promise<T> {
    return (await (await this.send("GET", route, params)).json()) as T;
  }

  /** POST a JSON body, read the JSON answer. */
  async post<T>(route: string, body: unknown = {}, params?: Params): Promise<T> {
    return (await (await this.send("POST", route, params, body)).json()) as T;
  }

  /** GET a body as a Blob (archive downloads). */
  async blob(route: string): Promise<Blob> {
    return (await this.send("GET", route)).blob();
  }
}

async function errorMessage(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: { message?: string } };
    if (body.error?.message) return `${body.error.message} (HTTP ${res.status})`;
  } catch {
    // not JSON
  }
  return `HTTP ${res.status}`;
}

/** What to show for a failed section: "not available" for a missing endpoint, else the message. */
export function describeFailure(error: unknown): string {
  if (error instanceof ApiFailure && error.kind === "not_available")
    return "Not available: this Worker does not serve this endpoint.";
  return error instanceof Error ? error.message : String(error);
}
