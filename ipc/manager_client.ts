/**
 * `ManagerClient`: a handle on a running Manager server, which creates
 * shared objects there and returns their proxies.
 *
 * @module
 */
import type { Address } from "./_socket_endpoint.ts";
import { channelFor, closeChannel } from "./_manager_channel.ts";
import type { ProxyReference } from "./_proxy_reference.ts";
import type { Registration } from "./_manager_server.ts";
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
import type {
  ManagerQueueOptions,
  RegisterOptions,
  SharedObjectOptions,
} from "./manager_client_options.ts";

type ProxyClass<P> = new (reference: ProxyReference) => P;

/**
 * A handle on a Manager server: every `dict()`, `list()`, `lock()` …
 * creates an object on the server and returns its proxy. `Manager` (which
 * starts a server) is one; `Manager.connect()` returns one for a server
 * started elsewhere. `await using` (or `close()`) closes this thread's
 * connection; it does not stop the server.
 *
 * @example Reach a named object of a manager started elsewhere
 * ```ts
 * import { Manager } from "@mp/multiprocessing/ipc";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager.start();
 * const scores = await manager.dict<string, number>([], { name: "scores" });
 * await scores.set("ada", 3);
 * await using client = await Manager.connect({
 *   address: manager.address,
 *   authkey: manager.authkey!,
 * });
 * const same = await client.dict<string, number>([], { name: "scores" });
 * assert.equal(await same.get("ada"), 3);
 * ```
 */
export class ManagerClient implements AsyncDisposable {
  #address: Address;
  #authkey: Uint8Array | undefined;
  #local: string | undefined;

  /**
   * Makes a handle on the server at `address`. Use `Manager.start()` or
   * `Manager.connect()`, which check that it answers.
   *
   * @param address The server's address.
   * @param authkey Its authkey, if any.
   * @param local The server's same-process name, if known.
   */
  constructor(
    address: Address,
    authkey: Uint8Array | undefined,
    local?: string,
  ) {
    this.#address = { ...address };
    this.#authkey = authkey?.slice();
    this.#local = local;
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
    return {
      address: this.#address,
      authkey: this.#authkey,
      local: this.#local,
    };
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
    if (this.registerHere(typeId, factory, options.exposed)) return;
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

  /** Registers on a server running on this thread; whether it did. */
  protected registerHere(
    _typeId: string,
    _factory: (...args: never[]) => unknown,
    _exposed: string[] | undefined,
  ): boolean {
    return false;
  }

  /** Closes this thread's connection to the server (not the server). */
  close(): void {
    closeChannel(this.#ref);
  }

  /** Closes this thread's connection (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}
