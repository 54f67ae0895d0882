/**
 * A connection of its own for blocking reads (`BLPOP`, `XREAD BLOCK`) that
 * can be stopped without losing what it read.
 *
 * Closing the socket under a blocked command could drop an item the server
 * already popped, so a wait is stopped with `CLIENT UNBLOCK <id>`, sent on
 * the control connection: the server answers the blocked command with
 * "nothing" (or with the item, when it had one first). `run()` then waits
 * for that reply and hands it back, so the caller can put a late item back.
 * The id is read with `CLIENT ID` before the first wait; when an unblock
 * finds nothing to unblock (the connection was re-established and has a new
 * id), the id is looked up again in `CLIENT LIST` by the connection's unique
 * name, and the unblock is repeated until the command has answered.
 *
 * One command at a time: callers serialise their waits.
 *
 * @module
 */
import { closeRedis, openRedis, type Redis } from "./_redis_client.ts";
import type { RedisTarget } from "./redis_connection.ts";
import { pause } from "./_wait_scope.ts";

/** What `run()` gives back. */
export interface BlockingReply<T> {
  /** The command's reply (it may carry data even when aborted). */
  value: T | undefined;
  /** Whether `signal` aborted the wait. */
  aborted: boolean;
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
      conn.#id = String(await redis.client("ID"));
      return conn;
    } catch (error) {
      await closeRedis(redis);
      throw error;
    }
  }

  /**
   * Runs one blocking command. When `signal` aborts first, the command is
   * unblocked and its reply still awaited.
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
    if (settled || !signal.aborted) {
      return { value: await reply, aborted: signal.aborted };
    }
    const answered = new AbortController();
    const done = reply.then(() => {}, () => {}).finally(() => answered.abort());
    for (let round = 0; !settled; round++) {
      const n = await this.#unblock(round > 0);
      if (!settled) {
        const wait = n > 0 ? 1000 : 50 * Math.min(round + 1, 10);
        await pause(wait, answered.signal);
      }
    }
    await done;
    return { value: await reply, aborted: true };
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
