/**
 * Visibility timeout on a Redis consumer group: keeping one's own tasks,
 * taking over a dead node's.
 *
 * Every tick (a third of the visibility timeout, 100 ms to 10 s) a node
 * 1. touches the entries it is still running, `XCLAIM … 0 <ids> JUSTID` to
 *    itself, which resets their idle time without counting a delivery, so
 *    a long task is never taken from a live node;
 * 2. while it has room, takes over entries idle for longer than the
 *    visibility timeout, `XAUTOCLAIM … <timeout> <cursor> COUNT <room>`
 *    (their delivery count goes up by one), reads each one's delivery
 *    count with `XPENDING`, and starts it. Entries deleted meanwhile (a
 *    caller cancelled) are dropped from the pending list by Redis itself.
 *
 * 3. every 30 ticks, deletes from the group the consumers that hold
 *    nothing and have not read for ten visibility timeouts (at least 5
 *    minutes): nodes that died and whose entries were taken over. A live
 *    node reads at least every 2 s, and one deleted by mistake is simply
 *    re-created by its next read.
 *
 * Errors (Redis away, the group lost in a restart) end the tick quietly;
 * the next tick tries again.
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import type { Redis } from "./_redis_client.ts";
import { GROUP, type PoolKeys } from "./_task_wire.ts";

/** What the reclaimer needs from its node. */
export interface ReclaimHost {
  /** Stream ids of the entries the node is running. */
  running(): string[];
  /** How many more entries the node can take now. */
  room(): number;
  /** Starts a taken-over entry. */
  start(streamId: string, fields: Buffer[], deliveries: number): void;
}

type AutoClaimReply = [Buffer, [Buffer, Buffer[] | null][], Buffer[]?];

interface ClaimCommands {
  xautoclaimBuffer(...args: (string | number)[]): Promise<AutoClaimReply>;
}

/** The tick of one node. */
export class Reclaimer {
  readonly #redis: Redis;
  readonly #keys: PoolKeys;
  readonly #consumer: string;
  readonly #timeout: number;
  readonly #host: ReclaimHost;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #tick: Promise<void> | undefined;
  #stopped = false;
  #ticks = 0;
  /** Entries taken over from other nodes so far. */
  reclaimed = 0;

  constructor(
    redis: Redis,
    keys: PoolKeys,
    consumer: string,
    visibilityTimeout: number,
    host: ReclaimHost,
  ) {
    this.#redis = redis;
    this.#keys = keys;
    this.#consumer = consumer;
    this.#timeout = visibilityTimeout;
    this.#host = host;
  }

  /** Starts ticking. */
  start(): void {
    this.#schedule();
  }

  /** Stops ticking and waits for a tick under way. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#tick;
  }

  #schedule(): void {
    if (this.#stopped) return;
    const every = Math.max(100, Math.min(this.#timeout / 3, 10_000));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#tick = this.#run().catch(() => {}).finally(() => {
        this.#tick = undefined;
        this.#schedule();
      });
    }, every);
  }

  async #run(): Promise<void> {
    if (++this.#ticks % 30 === 0) await this.#forgetDead();
    const running = this.#host.running();
    if (running.length > 0) {
      await this.#redis.xclaim(
        this.#keys.tasks,
        GROUP,
        this.#consumer,
        0,
        ...running,
        "JUSTID",
      );
    }
    let cursor = "0-0";
    for (let round = 0; round < 100 && !this.#stopped; round++) {
      const room = this.#host.room();
      if (room <= 0) return;
      const [next, entries] = await (this.#redis as unknown as ClaimCommands)
        .xautoclaimBuffer(
          this.#keys.tasks,
          GROUP,
          this.#consumer,
          Math.floor(this.#timeout),
          cursor,
          "COUNT",
          room,
        );
      const live = entries.filter((e): e is [Buffer, Buffer[]] =>
        e[1] !== null
      );
      const counts = await Promise.all(
        live.map(([id]) =>
          this.#redis.xpending(
            this.#keys.tasks,
            GROUP,
            id.toString(),
            id.toString(),
            1,
          )
        ),
      );
      live.forEach(([id, fields], i) => {
        const row = (counts[i] as [string, string, number, number][])[0];
        this.reclaimed++;
        this.#host.start(id.toString(), fields, Number(row?.[3] ?? 2));
      });
      cursor = next.toString();
      if (cursor === "0-0") return;
    }
  }

  async #forgetDead(): Promise<void> {
    const rows = await this.#redis.xinfo(
      "CONSUMERS",
      this.#keys.tasks,
      GROUP,
    ) as unknown[][];
    const limit = Math.max(10 * this.#timeout, 300_000);
    for (const row of rows) {
      const info = new Map<string, unknown>();
      for (let i = 0; i + 1 < row.length; i += 2) {
        info.set(String(row[i]), row[i + 1]);
      }
      const name = String(info.get("name"));
      if (
        name !== this.#consumer && Number(info.get("pending")) === 0 &&
        Number(info.get("idle")) > limit
      ) {
        await this.#redis.xgroup("DELCONSUMER", this.#keys.tasks, GROUP, name);
      }
    }
  }
}
