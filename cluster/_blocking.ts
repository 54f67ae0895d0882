/**
 * A connection of its own for blocking reads (`BLPOP`, `XREAD BLOCK`,
 * `XREADGROUP BLOCK`) that can be stopped without losing what it read.
 *
 * Every wait is a slice of at most `BLOCK_SLICE_MS` (callers loop), so a
 * wait always ends by itself soon. Closing the socket under a blocked
 * command could drop an item the server already popped; instead a stopped
 * wait is cut short with `CLIENT UNBLOCK <id>` on the control connection
 * (the server answers the blocked command with "nothing", or with the item
 * when it had one first), and `run()` still waits for that reply and hands
 * it back (as `late`), so the caller can put a late item back. The id comes from
 * `CLIENT ID`; when the unblock finds nothing to unblock (the connection
 * was re-established and has a new id) the id is looked up once in
 * `CLIENT LIST` by the connection's unique name. A Redis user without
 * these admin commands still works: the wait then ends with its slice.
 *
 * One command at a time: callers serialise their waits.
 *
 * @module
 */
import { closeRedis, openRedis, type Redis } from "./_redis_client.ts";
import type { RedisTarget } from "./redis_connection.ts";

/** The longest single blocking wait, in milliseconds. */
export const BLOCK_SLICE_MS = 2000;

/** What `run()` gives back. */
export interface BlockingReply<T> {
  /** The reply, when it came before the abort. */
  value: T | undefined;
  /** Whether `signal` aborted the wait. */
  aborted: boolean;
  /**
   * The reply whenever it comes (`undefined` on an error): after an abort
   * it may still carry data, which the caller must not lose.
   */
  late: Promise<T | undefined>;
}

/** A dedicated connection for blocking commands. */
export class BlockingConnection {
  readonly redis: Redis;
  readonly #control: Redis;
  readonly #name: string;
  #id: string | undefined;

  private constructor(redis: Redis, control: Redis, name: string) {
    this.redis = redis;
    this.#control = control;
    this.#name = name;
  }

  /** Opens the connection; `control` sends the unblocks. */
  static async open(
    target: RedisTarget | undefined,
    what: string,
    control: Redis,
  ): Promise<BlockingConnection> {
    const name = `mp-blocking-${crypto.randomUUID().slice(0, 8)}`;
    const { redis } = await openRedis(target, what, name, true);
    try {
      const conn = new BlockingConnection(redis, control, name);
      conn.#id = await redis.client("ID").then(String, () => undefined);
      return conn;
    } catch (error) {
      await closeRedis(redis);
      throw error;
    }
  }

  /**
   * Runs one blocking command. When `signal` aborts first, this returns at
   * once and the command is cut short in the background; its reply comes
   * as `late`. The next command must wait for `late`.
   */
  async run<T>(
    command: (redis: Redis) => Promise<T>,
    signal: AbortSignal,
  ): Promise<BlockingReply<T>> {
    let settled = false;
    const reply = command(this.redis).finally(() => settled = true);
    if (!signal.aborted) {
      let onAbort: () => void = () => {};
      const aborted = new Promise<void>((resolve) => {
        onAbort = resolve;
        signal.addEventListener("abort", onAbort, { once: true });
      });
      await Promise.race([reply.catch(() => {}), aborted]);
      signal.removeEventListener("abort", onAbort);
    }
    const late = reply.catch(() => undefined);
    if (settled || !signal.aborted) {
      const value = await late;
      return { value, aborted: signal.aborted, late };
    }
    void this.#cut(() => settled);
    return { value: undefined, aborted: true, late };
  }

  async #cut(settled: () => boolean): Promise<void> {
    if ((await this.#unblock(false)) === 0 && !settled()) {
      await this.#unblock(true);
    }
  }

  async #unblock(lookUp: boolean): Promise<number> {
    try {
      if (lookUp || this.#id === undefined) {
        const list = String(await this.#control.client("LIST"));
        const line = list.split("\n").find((l) =>
          l.includes(` name=${this.#name} `)
        );
        const id = line === undefined
          ? undefined
          : /(?:^|\s)id=(\d+)/.exec(line)?.[1];
        if (id !== undefined) this.#id = id;
      }
      if (this.#id === undefined) return 0;
      return Number(await this.#control.client("UNBLOCK", this.#id));
    } catch {
      return 0;
    }
  }

  /** Closes the connection (a command still blocked rejects). */
  close(): Promise<void> {
    return closeRedis(this.redis);
  }
}
