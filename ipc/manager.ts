/**
 * `Manager`: a server of shared objects (dicts, lists, queues, locks …)
 * that any Worker, process or machine can use through proxies (Python's
 * `multiprocessing.Manager`).
 *
 * @module
 */
import { type Authkey, toAuthkeyBytes } from "./_auth.ts";
import { type Address, checkSocketOptions } from "./_socket_endpoint.ts";
import { channelFor, closeChannel } from "./_manager_channel.ts";
import type { ProxyReference } from "./_proxy_reference.ts";
import { ManagerServer, type Registration } from "./_manager_server.ts";
import {
  type ManagerHandle,
  startServerProcess,
  startServerWorker,
} from "./_manager_host.ts";
import { DictProxy } from "./dict_proxy.ts";
import { ListProxy } from "./list_proxy.ts";
import { NamespaceProxy } from "./namespace_proxy.ts";
import { ValueProxy } from "./value_proxy.ts";
import { ArrayProxy } from "./array_proxy.ts";
import { JoinableQueueProxy, QueueProxy } from "./queue_proxy.ts";
import { LockProxy, RLockProxy } from "./lock_proxy.ts";
import { BoundedSemaphoreProxy, SemaphoreProxy } from "./semaphore_proxy.ts";
import { EventProxy } from "./event_proxy.ts";
import { ConditionProxy } from "./condition_proxy.ts";
import { type AutoProxy, CustomProxy } from "./custom_proxy.ts";

/** Where a Manager's server runs. */
export type ManagerBackend = "worker" | "subprocess" | "inline";

/** Options of {@linkcode Manager.start}. */
export interface ManagerStartOptions {
  /**
   * Where the server runs: its own Worker (`"worker"`), its own OS process
   * (`"subprocess"`, needs `--allow-run`), or this thread's event loop
   * (`"inline"`). Default `"worker"`.
   */
  backend?: ManagerBackend;
  /**
   * Where the server listens. Default `{ hostname: "127.0.0.1", port: 0 }`
   * (a free port on this machine only).
   */
  address?: Address;
  /**
   * The shared secret clients must prove. Default: 32 random bytes (read
   * it from `manager.authkey` to connect from elsewhere).
   */
  authkey?: Authkey;
  /**
   * Allow a non-loopback address without authkey. Default `false`.
   */
  insecure?: boolean;
}

/** Options of {@linkcode Manager.connect}. */
export interface ManagerConnectOptions {
  /** The address the manager listens on. */
  address: Address;
  /** Its authkey. Default: none (the server must have none either). */
  authkey?: Authkey;
  /** Allow a non-loopback address without authkey. Default `false`. */
  insecure?: boolean;
}

/** Options of {@linkcode Manager.register}. */
export interface RegisterOptions {
  /**
   * The module that exports `factory`, for servers in a Worker or a
   * subprocess, which import it. Default: `Deno.mainModule`.
   */
  module?: string | URL;
  /** The methods proxies may call. Default: every public method. */
  exposed?: string[];
}

/** Options of objects that can be shared by name. */
export interface SharedObjectOptions {
  /**
   * Get-or-create under this name, so that clients that did not receive
   * the proxy (another program, another machine) can reach the same
   * object. Default: a new, unnamed object.
   */
  name?: string;
}

/** Options of {@linkcode Manager.queue}. */
export interface ManagerQueueOptions extends SharedObjectOptions {
  /** Most items held; `0` means no limit. Default `0`. */
  maxsize?: number;
}

type ProxyClass<P> = new (reference: ProxyReference) => P;

/**
 * A Manager: a server holding shared objects, and this program's handle on
 * it. Every `manager.dict()`, `manager.list()`, `manager.lock()` … creates
 * an object on the server and returns a proxy; proxies work from any
 * Worker, subprocess or machine that receives them (they reconnect by
 * address and authkey), and every call on them is an async round trip.
 * Values cross through the package's codec, which never runs code while
 * decoding (unlike pickle). Needs `--allow-net`, plus `--allow-read` for
 * the default Worker backend.
 *
 * Shut the server down with `shutdown()` or `await using`: a running
 * server Worker keeps the program alive. Pending calls reject with
 * `ConnectionClosedError` when the server goes away.
 *
 * @example
 * ```ts
 * import { Manager } from "@mp/multiprocessing/ipc";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager.start();
 * const dic = await manager.dict<number, number>();
 * for (let i = 0; i < 10; i++) await dic.set(i, 101);
 * assert.deepEqual(await dic.values(), Array(10).fill(101));
 * ```
 */
export class Manager implements AsyncDisposable {
  #address: Address;
  #authkey: Uint8Array | undefined;
  #handle: ManagerHandle | undefined;
  #server: ManagerServer | undefined;
  #closed = false;

  private constructor(
    address: Address,
    authkey: Uint8Array | undefined,
    handle: ManagerHandle | undefined,
    server: ManagerServer | undefined,
  ) {
    this.#address = address;
    this.#authkey = authkey;
    this.#handle = handle;
    this.#server = server;
  }

  /**
   * Starts a manager server and returns its handle.
   *
   * @param options Backend, address, authkey.
   * @returns The started manager; `await using` shuts it down.
   * @throws {TypeError} on a bad address, or a non-loopback address without
   * authkey.
   */
  static async start(options: ManagerStartOptions = {}): Promise<Manager> {
    const backend = options.backend ?? "worker";
    if (!["worker", "subprocess", "inline"].includes(backend)) {
      throw new TypeError(
        `Cannot start Manager as backend must be "worker", "subprocess" or "inline": received "${backend}"`,
      );
    }
    const address = options.address ?? { hostname: "127.0.0.1", port: 0 };
    const authkey = toAuthkeyBytes(options.authkey, "start Manager") ??
      crypto.getRandomValues(new Uint8Array(32));
    const config = {
      address,
      authkey,
      ...(options.insecure ? { insecure: true } : {}),
    };
    checkSocketOptions(config, "start Manager");
    if (backend === "inline") {
      const server = await ManagerServer.open(config);
      server.serve();
      return new Manager(server.address, authkey, undefined, server);
    }
    const handle = backend === "worker"
      ? await startServerWorker(config)
      : await startServerProcess(config);
    return new Manager(handle.address, authkey, handle, undefined);
  }

  /**
   * Connects to a manager started elsewhere (another program or machine).
   *
   * @param options Its address and authkey.
   * @returns A handle whose proxies reach that server; `await using`
   * closes this program's connection (it does not stop the server).
   * @throws {AuthenticationError} when the authkey is wrong.
   * @throws {ConnectionClosedError} when nothing listens there.
   */
  static async connect(options: ManagerConnectOptions): Promise<Manager> {
    const checked = checkSocketOptions(options, "connect to Manager");
    const manager = new Manager(
      checked.address,
      checked.key,
      undefined,
      undefined,
    );
    await channelFor(manager.#ref).call(0, "ping", [], {}, "manager.ping");
    return manager;
  }

  /** The address the server listens on (with the real port). */
  get address(): Address {
    return { ...this.#address };
  }

  /** A copy of the authkey clients use, or `undefined` when none. */
  get authkey(): Uint8Array | undefined {
    return this.#authkey?.slice();
  }

  get #ref() {
    return { address: this.#address, authkey: this.#authkey };
  }

  async #make<P>(
    cls: ProxyClass<P>,
    typeId: string,
    args: unknown[],
    name?: string,
  ): Promise<P> {
    const id = await channelFor(this.#ref).call(
      0,
      "create",
      [typeId, args, name],
      {},
      `manager.${typeId}`,
    ) as number;
    return new cls({ ...this.#ref, id, typeId });
  }

  /**
   * Creates a shared dictionary (`Map` semantics).
   *
   * @param entries Initial entries. Default: none.
   * @param options `name` to share it by name.
   * @returns Its proxy.
   */
  dict<K = unknown, V = unknown>(
    entries?: Iterable<readonly [K, V]>,
    options: SharedObjectOptions = {},
  ): Promise<DictProxy<K, V>> {
    return this.#make(
      DictProxy<K, V>,
      "dict",
      [entries === undefined ? undefined : [...entries]],
      options.name,
    );
  }

  /**
   * Creates a shared list.
   *
   * @param items Initial items. Default: none.
   * @param options `name` to share it by name.
   * @returns Its proxy.
   */
  list<T = unknown>(
    items?: Iterable<T>,
    options: SharedObjectOptions = {},
  ): Promise<ListProxy<T>> {
    return this.#make(
      ListProxy<T>,
      "list",
      [items === undefined ? undefined : [...items]],
      options.name,
    );
  }

  /**
   * Creates a shared namespace.
   *
   * @param init Initial names and values. Default: none.
   * @param options `name` to share it by name.
   * @returns Its proxy.
   */
  namespace<T extends Record<string, unknown> = Record<string, unknown>>(
    init?: Partial<T>,
    options: SharedObjectOptions = {},
  ): Promise<NamespaceProxy<T>> {
    return this.#make(NamespaceProxy<T>, "namespace", [init], options.name);
  }

  /**
   * Creates a shared value.
   *
   * @param initial The initial value.
   * @param options `name` to share it by name.
   * @returns Its proxy.
   */
  value<T>(
    initial: T,
    options: SharedObjectOptions = {},
  ): Promise<ValueProxy<T>> {
    return this.#make(ValueProxy<T>, "value", [initial], options.name);
  }

  /**
   * Creates a shared fixed-length array.
   *
   * @param items The items.
   * @param options `name` to share it by name.
   * @returns Its proxy.
   */
  array<T>(
    items: Iterable<T>,
    options: SharedObjectOptions = {},
  ): Promise<ArrayProxy<T>> {
    return this.#make(ArrayProxy<T>, "array", [[...items]], options.name);
  }

  /**
   * Creates a shared FIFO queue.
   *
   * @param options `maxsize`, `name`.
   * @returns Its proxy.
   * @throws {RangeError} when `maxsize` is negative or not an integer.
   */
  queue<T = unknown>(
    options: ManagerQueueOptions = {},
  ): Promise<QueueProxy<T>> {
    return this.#make(
      QueueProxy<T>,
      "queue",
      [options.maxsize ?? 0],
      options.name,
    );
  }

  /**
   * Creates a shared queue with `taskDone()` and `join()`.
   *
   * @param options `maxsize`, `name`.
   * @returns Its proxy.
   * @throws {RangeError} when `maxsize` is negative or not an integer.
   */
  joinableQueue<T = unknown>(
    options: ManagerQueueOptions = {},
  ): Promise<JoinableQueueProxy<T>> {
    return this.#make(
      JoinableQueueProxy<T>,
      "joinableQueue",
      [options.maxsize ?? 0],
      options.name,
    );
  }

  /**
   * Creates a shared lock.
   *
   * @param options `name` to share it by name.
   * @returns Its proxy.
   */
  lock(options: SharedObjectOptions = {}): Promise<LockProxy> {
    return this.#make(LockProxy, "lock", [], options.name);
  }

  /**
   * Creates a shared reentrant lock.
   *
   * @param options `name` to share it by name.
   * @returns Its proxy.
   */
  rlock(options: SharedObjectOptions = {}): Promise<RLockProxy> {
    return this.#make(RLockProxy, "rlock", [], options.name);
  }

  /**
   * Creates a shared semaphore.
   *
   * @param value Initial permits. Default `1`.
   * @param options `name` to share it by name.
   * @returns Its proxy.
   * @throws {RangeError} when `value` is negative or not an integer.
   */
  semaphore(
    value = 1,
    options: SharedObjectOptions = {},
  ): Promise<SemaphoreProxy> {
    return this.#make(SemaphoreProxy, "semaphore", [value], options.name);
  }

  /**
   * Creates a shared semaphore that cannot exceed its initial value.
   *
   * @param value Initial (and most) permits. Default `1`.
   * @param options `name` to share it by name.
   * @returns Its proxy.
   * @throws {RangeError} when `value` is negative or not an integer.
   */
  boundedSemaphore(
    value = 1,
    options: SharedObjectOptions = {},
  ): Promise<BoundedSemaphoreProxy> {
    return this.#make(
      BoundedSemaphoreProxy,
      "boundedSemaphore",
      [value],
      options.name,
    );
  }

  /**
   * Creates a shared event.
   *
   * @param options `name` to share it by name.
   * @returns Its proxy.
   */
  event(options: SharedObjectOptions = {}): Promise<EventProxy> {
    return this.#make(EventProxy, "event", [], options.name);
  }

  /**
   * Creates a shared condition variable (with its own reentrant lock).
   *
   * @param options `name` to share it by name.
   * @returns Its proxy.
   */
  condition(options: SharedObjectOptions = {}): Promise<ConditionProxy> {
    return this.#make(ConditionProxy, "condition", [], options.name);
  }

  /**
   * Registers a custom type on the server: `create(typeId, …args)` then
   * calls `factory(…args)` there and returns a proxy of the result. A
   * server in a Worker or subprocess imports `factory` by name from
   * `options.module` (and checks that its source matches); an `"inline"`
   * server uses the function itself.
   *
   * @param typeId The name to create objects by.
   * @param factory Builds one object (an exported function, unless inline).
   * @param options `module`, `exposed`.
   * @throws {TypeError} when the module does not export `factory`.
   */
  async register(
    typeId: string,
    factory: (...args: never[]) => unknown,
    options: RegisterOptions = {},
  ): Promise<void> {
    if (typeof typeId !== "string" || typeId === "") {
      throw new TypeError(
        `Cannot register type as typeId must be a non-empty string: received ${
          String(typeId)
        }`,
      );
    }
    if (typeof factory !== "function") {
      throw new TypeError(
        `Cannot register "${typeId}" as factory must be a function: received ${typeof factory}`,
      );
    }
    if (this.#server !== undefined) {
      this.#server.registerFactory(typeId, factory, options.exposed);
      return;
    }
    const registration: Registration = {
      typeId,
      module: String(options.module ?? Deno.mainModule),
      exportName: factory.name,
      source: factory.toString(),
      ...(options.exposed === undefined ? {} : { exposed: options.exposed }),
    };
    await channelFor(this.#ref).call(
      0,
      "register",
      [registration],
      {},
      "manager.register",
    );
  }

  /**
   * Creates an object of a registered type.
   *
   * @param typeId The registered type id.
   * @param args Arguments for its factory.
   * @returns A proxy with one async method per exposed method.
   * @throws {TypeError} when `typeId` is not registered.
   */
  async create<T>(typeId: string, ...args: unknown[]): Promise<AutoProxy<T>> {
    const id = await channelFor(this.#ref).call(
      0,
      "create",
      [typeId, args],
      {},
      `manager.create`,
    ) as number;
    return CustomProxy.of<T>({ ...this.#ref, id, typeId });
  }

  /**
   * Stops the server (when this program started it) and closes this
   * program's connection. Pending calls anywhere reject with
   * `ConnectionClosedError`. Idempotent.
   */
  async shutdown(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    closeChannel(this.#ref);
    this.#server?.close();
    await this.#handle?.stop();
  }

  /** Shuts down (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }
}
