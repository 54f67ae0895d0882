/**
 * One Redis connection as cluster/ uses it, on `npm:ioredis`.
 *
 * The first connection fails fast: no retry, and the client's reason (refused,
 * timed out, `WRONGPASS`, a TLS failure) becomes a `RedisConnectionError`
 * naming the server with its password hidden. Once connected, a lost
 * connection is retried without end (back-off 50 ms doubling to 1 s);
 * commands wait in ioredis's offline queue and unanswered ones, blocking
 * reads included, are sent again on reconnect (`maxRetriesPerRequest: null`).
 * Errors the client emits while reconnecting are kept as `lastError`, not
 * printed.
 *
 * Data loss (a restart without persistence, a flush, a fail-over to a
 * replica that lagged) is told apart from a dropped connection by a marker
 * key the client set when it connected (`SET … PX … GET`, on every
 * `ready`): it is gone only when the server lost data. A marker does not
 * need `INFO`, so restricted ACL users get this too.
 *
 * Lua scripts run by SHA (`EVALSHA`), loading the text on `NOSCRIPT`.
 *
 * @module
 */
import { Redis } from "ioredis";
import type { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import {
  RedisConnectionError,
  type RedisTarget,
  type RedisTlsOptions,
} from "./redis_connection.ts";

export { Redis };

/** The URL used when none is given. */
export const DEFAULT_URL = "redis://127.0.0.1:6379";

/** `url` with its password replaced by `***`. */
export function redactUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/[^:@/]*):[^@/]*@/, "$1:***@");
}

/** The client options cluster/ sets from `RedisConnectionOptions`. */
interface ClientOptions {
  connectTimeout: number;
  username?: string;
  password?: string;
  db?: number;
  tls?: Record<string, unknown>;
}

/** The options and URL a target stands for, checked. */
export function resolveTarget(
  target: RedisTarget | undefined,
  what: string,
): { url: string; options: ClientOptions } {
  if (target === undefined) target = {};
  if (typeof target === "string") target = { url: target };
  if (typeof target !== "object" || target === null) {
    throw new TypeError(
      `Cannot connect ${what} as redis must be a URL or an options object: received ${
        String(target)
      }`,
    );
  }
  const url = target.url ?? DEFAULT_URL;
  if (typeof url !== "string" || !/^rediss?:\/\//.test(url)) {
    throw new TypeError(
      `Cannot connect ${what} as the Redis URL must start with redis:// or rediss://: received "${
        redactUrl(String(url))
      }"`,
    );
  }
  const connectTimeout = target.connectTimeout ?? 10_000;
  if (!(connectTimeout > 0)) {
    throw new RangeError(
      `Cannot connect ${what} as connectTimeout must be a positive number of milliseconds: received ${connectTimeout}`,
    );
  }
  const options: ClientOptions = { connectTimeout };
  if (target.username !== undefined) options.username = target.username;
  if (target.password !== undefined) options.password = target.password;
  if (target.db !== undefined) options.db = target.db;
  if (target.tls === true) options.tls = {};
  else if (typeof target.tls === "object") {
    options.tls = { ...(target.tls as RedisTlsOptions) };
  }
  return { url, options };
}

/** A connected client and what is known about it. */
export interface Connected {
  redis: Redis;
  /** The URL with the password hidden, for messages. */
  url: string;
  /** The last error the client reported while reconnecting. */
  lastError: Error | undefined;
}

/**
 * Opens one connection named `name` (`CLIENT SETNAME`, on every
 * reconnect too). `blocking` connections (for `BLPOP`, `XREAD BLOCK`) do
 * not pipeline automatically.
 *
 * @throws {RedisConnectionError} when the first connection fails.
 */
export async function openRedis(
  target: RedisTarget | undefined,
  what: string,
  name: string,
  blocking = false,
): Promise<Connected> {
  const { url, options } = resolveTarget(target, what);
  let established = false;
  const redis = new Redis(url, {
    ...options,
    connectionName: name,
    lazyConnect: true,
    maxRetriesPerRequest: null,
    enableAutoPipelining: !blocking,
    retryStrategy: (times: number) =>
      established ? Math.min(50 * 2 ** Math.min(times, 5), 1000) : null,
  });
  const shown = redactUrl(url);
  const state: Connected = { redis, url: shown, lastError: undefined };
  redis.on("error", (error: Error) => state.lastError = error);
  try {
    await redis.connect();
  } catch (error) {
    const cause = state.lastError ?? error;
    await closeRedis(redis);
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new RedisConnectionError(
      `Cannot connect ${what} to Redis at ${shown}: ${reason}`,
      shown,
      { cause },
    );
  }
  established = true;
  return state;
}

/** Closes a connection and waits until its socket is gone. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === "end") return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const ended = new Promise<void>((resolve) => {
    redis.once("end", () => resolve());
    timer = setTimeout(resolve, 2000);
  });
  redis.disconnect();
  await ended;
  clearTimeout(timer);
}

/** How long a data-loss marker lives without a reconnect (ms): 7 days. */
const MARK_TTL = 7 * 24 * 3_600_000;

/**
 * Sets the marker `key` now, and runs `onLost` whenever `redis` reconnects
 * to find it gone.
 */
export async function watchDataLoss(
  redis: Redis,
  key: string,
  onLost: () => void,
): Promise<void> {
  const mark = () => redis.set(key, "1", "PX", MARK_TTL, "GET");
  redis.on("ready", () => {
    mark().then((old) => {
      if (old === null) onLost();
    }).catch(() => {});
  });
  await mark();
}

// ioredis defines a `…Buffer` twin of every command but types only some;
// `callBuffer` cannot be used instead, as auto-pipelining drops its name.
interface Scripting {
  evalshaBuffer(...args: (string | number | Buffer)[]): Promise<unknown>;
  evalBuffer(...args: (string | number | Buffer)[]): Promise<unknown>;
}

/** A Lua script run by SHA, loaded on `NOSCRIPT`. */
export class Script {
  readonly #lua: string;
  readonly #sha: string;
  readonly #keys: number;

  constructor(keys: number, lua: string) {
    this.#lua = lua;
    this.#keys = keys;
    this.#sha = createHash("sha1").update(lua).digest("hex");
  }

  /** Runs the script; string replies come back as `Buffer`s. */
  async run(
    redis: Redis,
    keys: string[],
    args: (string | number | Buffer)[],
  ): Promise<unknown> {
    try {
      return await (redis as unknown as Scripting).evalshaBuffer(
        this.#sha,
        this.#keys,
        ...keys,
        ...args,
      );
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) {
        throw error;
      }
      return await (redis as unknown as Scripting).evalBuffer(
        this.#lua,
        this.#keys,
        ...keys,
        ...args,
      );
    }
  }
}
