/**
 * Where the cluster's Redis is and how to reach it: `RedisConnectionOptions`
 * (URL, ACL user and password, database, TLS) shared by `ClusterPool`,
 * `WorkerNode`, `RedisQueue` and `RedisDict`, and `RedisConnectionError`,
 * the error of a Redis that cannot be reached.
 *
 * @module
 */

/**
 * TLS settings passed through to Node's `tls.connect()` (the Redis client
 * runs on Deno's Node compatibility layer). Any other field of
 * `tls.ConnectionOptions` is passed through too.
 *
 * @example A private CA
 * ```ts
 * import type { RedisTlsOptions } from "@mp/multiprocessing/cluster";
 * import assert from "node:assert/strict";
 *
 * const tls: RedisTlsOptions = {
 *   ca: "-----BEGIN CERTIFICATE-----\n…",
 *   servername: "redis.internal",
 * };
 * assert.equal(tls.servername, "redis.internal");
 * ```
 */
export interface RedisTlsOptions {
  /** Trusted CA certificates (PEM). Default: the system's. */
  ca?: string | string[];
  /** Client certificate (PEM), for mutual TLS. Default: none. */
  cert?: string;
  /** Client private key (PEM), for mutual TLS. Default: none. */
  key?: string;
  /** The name checked against the server's certificate. Default: the host. */
  servername?: string;
  /** Whether a certificate that does not verify is refused. Default `true`. */
  rejectUnauthorized?: boolean;
  /** Further `tls.connect()` options, passed through as they are. */
  [option: string]: unknown;
}

/**
 * How to reach Redis. Everything here is passed through to the client;
 * nothing is read from the environment.
 *
 * @example A password-protected Redis over TLS
 * ```ts
 * import type { RedisConnectionOptions } from "@mp/multiprocessing/cluster";
 * import assert from "node:assert/strict";
 *
 * const redis: RedisConnectionOptions = {
 *   url: "rediss://redis.internal:6380/0",
 *   username: "worker",
 *   password: "s3cret",
 *   tls: { servername: "redis.internal" },
 * };
 * assert.equal(redis.username, "worker");
 * ```
 */
export interface RedisConnectionOptions {
  /**
   * `redis://[[user][:password]@]host[:port][/db]`, or `rediss://…` for
   * TLS. Default `"redis://127.0.0.1:6379"`.
   */
  url?: string;
  /**
   * The ACL user sent with `AUTH` (Redis 6 or newer). Default: the URL's
   * user, else none (Redis's `default` user).
   */
  username?: string;
  /** The password sent with `AUTH`. Default: the URL's password, else none. */
  password?: string;
  /** The database number. Default: the URL's path, else `0`. */
  db?: number;
  /**
   * TLS: `true` for the system's CAs, or options for `tls.connect()`.
   * Default: on for `rediss://` URLs, off otherwise.
   */
  tls?: boolean | RedisTlsOptions;
  /**
   * Milliseconds to wait for the first connection before giving up with
   * `RedisConnectionError`. Default `10_000`. Once connected, a lost
   * connection is retried without end (with back-off up to 1 s), and
   * commands wait for it.
   */
  connectTimeout?: number;
}

/** The `redis` option of the cluster classes: a URL or the full options. */
export type RedisTarget = string | RedisConnectionOptions;

/**
 * Redis could not be reached: refused, unknown host, timed out, a failed
 * `AUTH` or TLS handshake. The message names the server (password hidden)
 * and the reason; `cause` is the client's own error.
 *
 * @example Nothing listens on the port
 * ```ts
 * import { RedisConnectionError, RedisQueue } from "@mp/multiprocessing/cluster";
 * import assert from "node:assert/strict";
 *
 * const error = await RedisQueue.connect("jobs", {
 *   redis: "redis://127.0.0.1:1",
 * }).catch((e) => e);
 * assert.ok(error instanceof RedisConnectionError);
 * assert.equal(error.url, "redis://127.0.0.1:1");
 * ```
 */
export class RedisConnectionError extends Error {
  /** The server's URL, with any password replaced by `***`. */
  readonly url: string;

  /**
   * Creates the error.
   *
   * @param message What failed and why.
   * @param url The server's URL (pass it with the password hidden).
   * @param options The client's error as `cause`.
   */
  constructor(message: string, url: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RedisConnectionError";
    this.url = url;
  }
}
