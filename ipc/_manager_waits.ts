/**
 * The server side of the Manager's waiting types: `lock`, `rlock`,
 * `semaphore`, `boundedSemaphore`, `event`, `condition`, `queue` and
 * `joinableQueue`.
 *
 * They live on the server's event loop, so they need no atomics: a waiter
 * is a promise in a FIFO list, and a release hands the resource straight to
 * the first waiter (no barging, no thundering herd). A wait ends when it is
 * granted, when its `timeout` passes (a `DOMException` named
 * `"TimeoutError"`, as everywhere in the package), or when its call is
 * cancelled (the caller's `signal`, or the caller disconnecting). A client
 * that disconnects while holding a `lock` or `rlock` releases it, so a
 * crashed process cannot deadlock the others.
 *
 * @module
 */
import type {
  CallContext,
  ClientHandle,
  ServerType,
} from "./_manager_types.ts";

interface WaitOptions {
  timeout?: number;
}

interface Waiter {
  client: ClientHandle;
  grant(): void;
}

/** A FIFO of waiters; `wait()` settles on grant, timeout or cancel. */
class WaitList {
  #waiters: Waiter[] = [];

  get size(): number {
    return this.#waiters.length;
  }

  wait(ctx: CallContext, options: unknown, action: string): Promise<void> {
    const timeout = (options as WaitOptions | undefined)?.timeout;
    if (ctx.signal.aborted) return Promise.reject(ctx.signal.reason);
    if (timeout !== undefined && timeout <= 0) {
      return Promise.reject(timedOut(action, timeout));
    }
    return new Promise<void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const cleanup = () => {
        clearTimeout(timer);
        ctx.signal.removeEventListener("abort", onAbort);
      };
      const waiter: Waiter = {
        client: ctx.client,
        grant: () => {
          cleanup();
          resolve();
        },
      };
      const drop = (reason: unknown) => {
        cleanup();
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(reason);
      };
      const onAbort = () => drop(ctx.signal.reason);
      ctx.signal.addEventListener("abort", onAbort, { once: true });
      if (timeout !== undefined && Number.isFinite(timeout)) {
        timer = setTimeout(() => drop(timedOut(action, timeout)), timeout);
      }
      this.#waiters.push(waiter);
    });
  }

  /** Grants the first waiter; returns its client, or `undefined`. */
  grantOne(): ClientHandle | undefined {
    const waiter = this.#waiters.shift();
    waiter?.grant();
    return waiter?.client;
  }

  grantAll(): void {
    for (const waiter of this.#waiters.splice(0)) waiter.grant();
  }
}

function timedOut(action: string, timeout: number): DOMException {
  return new DOMException(
    `Timed out after ${timeout} ms waiting to ${action}`,
    "TimeoutError",
  );
}

function lastOptions(args: unknown[]): unknown {
  return args[args.length - 1];
}

/** Lock state, shared by `lock`, `rlock` and `condition`. */
class LockState {
  holder: ClientHandle | undefined;
  count = 0;
  waiters = new WaitList();
  #watched = new WeakSet<ClientHandle>();

  constructor(readonly reentrant: boolean, readonly name: string) {}

  async acquire(ctx: CallContext, options: unknown): Promise<true> {
    if (this.holder === undefined) {
      this.#take(ctx.client);
    } else if (this.reentrant && this.holder === ctx.client) {
      this.count++;
    } else {
      await this.waiters.wait(ctx, options, `acquire ${this.name}`);
    }
    return true;
  }

  tryAcquire(ctx: CallContext): boolean {
    if (this.holder === undefined) {
      this.#take(ctx.client);
      return true;
    }
    if (this.reentrant && this.holder === ctx.client) {
      this.count++;
      return true;
    }
    return false;
  }

  release(ctx: CallContext | undefined): void {
    if (this.holder === undefined) {
      throw new RangeError(
        `Cannot release ${this.name} as it is not locked`,
      );
    }
    if (this.reentrant && ctx !== undefined && this.holder !== ctx.client) {
      throw new RangeError(
        `Cannot release ${this.name} as another client holds it`,
      );
    }
    if (--this.count > 0) return;
    this.holder = undefined;
    const next = this.waiters.grantOne();
    if (next !== undefined) this.#take(next);
  }

  #take(client: ClientHandle): void {
    this.holder = client;
    this.count = 1;
    if (!this.#watched.has(client)) {
      this.#watched.add(client);
      client.onClose(() => {
        this.#watched.delete(client);
        if (this.holder === client) {
          this.count = 1;
          this.release(undefined);
        }
      });
    }
  }
}

function lockType(reentrant: boolean, name: string): ServerType {
  return {
    create: () => new LockState(reentrant, name),
    methods: {
      acquire: (l: LockState, args, ctx) => l.acquire(ctx, lastOptions(args)),
      tryAcquire: (l: LockState, _, ctx) => l.tryAcquire(ctx),
      release: (l: LockState, _, ctx) => l.release(ctx),
      locked: (l: LockState) => l.holder !== undefined,
    },
  };
}

class SemaphoreState {
  waiters = new WaitList();
  constructor(public value: number, readonly bound: number | undefined) {}
}

function semaphoreType(bounded: boolean): ServerType {
  const name = bounded ? "BoundedSemaphore" : "Semaphore";
  return {
    create: ([value = 1]) => {
      if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
        throw new RangeError(
          `Cannot create ${name} as value must be a non-negative integer: received ${
            String(value)
          }`,
        );
      }
      return new SemaphoreState(value, bounded ? value : undefined);
    },
    methods: {
      acquire: async (s: SemaphoreState, args, ctx) => {
        if (s.value > 0) s.value--;
        else await s.waiters.wait(ctx, lastOptions(args), `acquire ${name}`);
        return true;
      },
      tryAcquire: (s: SemaphoreState) =>
        s.value > 0 ? (s.value--, true) : false,
      release: (s: SemaphoreState) => {
        if (s.waiters.grantOne() !== undefined) return;
        if (s.bound !== undefined && s.value >= s.bound) {
          throw new RangeError(
            `Cannot release ${name} as it would exceed its initial value ${s.bound}`,
          );
        }
        s.value++;
      },
      value: (s: SemaphoreState) => s.value,
    },
  };
}

const event: ServerType = {
  create: () => ({ flag: false, waiters: new WaitList() }),
  methods: {
    set: (e: { flag: boolean; waiters: WaitList }) => {
      e.flag = true;
      e.waiters.grantAll();
    },
    clear: (e: { flag: boolean }) => void (e.flag = false),
    isSet: (e: { flag: boolean }) => e.flag,
    wait: async (e: { flag: boolean; waiters: WaitList }, args, ctx) => {
      if (!e.flag) {
        await e.waiters.wait(ctx, lastOptions(args), "wait for Event");
      }
      return true;
    },
  },
};

const condition: ServerType = {
  create: () => ({
    lock: new LockState(true, "Condition"),
    waiters: new WaitList(),
  }),
  methods: {
    acquire: (c: { lock: LockState }, args, ctx) =>
      c.lock.acquire(ctx, lastOptions(args)),
    tryAcquire: (c: { lock: LockState }, _, ctx) => c.lock.tryAcquire(ctx),
    release: (c: { lock: LockState }, _, ctx) => c.lock.release(ctx),
    wait: async (c: { lock: LockState; waiters: WaitList }, args, ctx) => {
      if (c.lock.holder !== ctx.client) {
        throw new RangeError(
          "Cannot wait on Condition as its lock is not held",
        );
      }
      const depth = c.lock.count;
      c.lock.count = 1;
      c.lock.release(ctx);
      let failure: unknown;
      try {
        await c.waiters.wait(ctx, lastOptions(args), "wait on Condition");
      } catch (error) {
        failure = error;
      }
      const aborted = new AbortController();
      await c.lock.acquire({ ...ctx, signal: aborted.signal }, undefined);
      c.lock.count = depth;
      if (failure !== undefined) throw failure;
      return true;
    },
    notify: (c: { lock: LockState; waiters: WaitList }, [n = 1], ctx) => {
      if (c.lock.holder !== ctx.client) {
        throw new RangeError("Cannot notify Condition as its lock is not held");
      }
      for (let i = 0; i < (n as number); i++) c.waiters.grantOne();
    },
    notifyAll: (c: { lock: LockState; waiters: WaitList }, _, ctx) => {
      if (c.lock.holder !== ctx.client) {
        throw new RangeError("Cannot notify Condition as its lock is not held");
      }
      c.waiters.grantAll();
    },
  },
};

class QueueState {
  items: unknown[] = [];
  getters = new WaitList();
  putters = new WaitList();
  unfinished = 0;
  joiners = new WaitList();
  constructor(readonly maxsize: number) {}
  get full(): boolean {
    return this.maxsize > 0 && this.items.length >= this.maxsize;
  }
  push(item: unknown): void {
    this.items.push(item);
    this.unfinished++;
    if (this.getters.size > 0) this.getters.grantOne();
  }
  shift(): unknown {
    const item = this.items.shift();
    if (this.putters.size > 0) this.putters.grantOne();
    return item;
  }
}

function queueType(joinable: boolean): ServerType {
  const name = joinable ? "JoinableQueue" : "Queue";
  const methods: ServerType["methods"] = {
    put: async (q: QueueState, [item, options], ctx) => {
      while (q.full) await q.putters.wait(ctx, options, `put into ${name}`);
      q.push(item);
    },
    get: async (q: QueueState, [options], ctx) => {
      while (q.items.length === 0) {
        await q.getters.wait(ctx, options, `get from ${name}`);
      }
      return q.shift();
    },
    tryPut: (q: QueueState, [item]) => q.full ? false : (q.push(item), true),
    tryGet: (q: QueueState) =>
      q.items.length === 0 ? { ok: false } : { ok: true, value: q.shift() },
    qsize: (q: QueueState) => q.items.length,
    empty: (q: QueueState) => q.items.length === 0,
    full: (q: QueueState) => q.full,
  };
  if (joinable) {
    methods.taskDone = (q: QueueState) => {
      if (q.unfinished <= 0) {
        throw new RangeError(
          "Cannot call taskDone() on JoinableQueue as more tasks were marked done than were put",
        );
      }
      if (--q.unfinished === 0) q.joiners.grantAll();
    };
    methods.join = async (q: QueueState, [options], ctx) => {
      if (q.unfinished > 0) await q.joiners.wait(ctx, options, `join ${name}`);
    };
  }
  return {
    create: ([maxsize = 0]) => {
      if (
        typeof maxsize !== "number" || !Number.isInteger(maxsize) || maxsize < 0
      ) {
        throw new RangeError(
          `Cannot create ${name} as maxsize must be a non-negative integer: received ${
            String(maxsize)
          }`,
        );
      }
      return new QueueState(maxsize);
    },
    methods,
  };
}

/** The built-in waiting types, by type id. */
export const WAITING_TYPES: Record<string, ServerType> = {
  lock: lockType(false, "Lock"),
  rlock: lockType(true, "RLock"),
  semaphore: semaphoreType(false),
  boundedSemaphore: semaphoreType(true),
  event,
  condition,
  queue: queueType(false),
  joinableQueue: queueType(true),
};
