/**
 * `Manager`: a server of shared objects (dicts, lists, queues, locks …)
 * that any Worker, process or machine can use through proxies (Python's
 * `multiprocessing.Manager`).
 *
 * Two terminals, one shared queue over TCP with an authkey (Python's
 * `BaseManager(address, authkey)` with `serve_forever()` and `connect()`):
 *
 * ```ts ignore
 * // server.ts: MP_AUTHKEY=s3cret deno run --allow-net --allow-read --allow-env server.ts
 * import { Manager } from "jsr:@mp/multiprocessing/ipc";
 *
 * await using manager = await Manager.start({
 *   address: { hostname: "0.0.0.0", port: 50000 },
 *   authkey: Deno.env.get("MP_AUTHKEY")!,
 * });
 * const jobs = await manager.queue<string>({ name: "jobs" });
 * await jobs.put("hello from terminal 1");
 * console.log("serving on", manager.address, "- Ctrl-C to stop");
 * await new Promise(() => {});
 * ```
 *
 * ```ts ignore
 * // client.ts: MP_AUTHKEY=s3cret deno run --allow-net --allow-env client.ts
 * import { Manager } from "jsr:@mp/multiprocessing/ipc";
 *
 * await using client = await Manager.connect({
 *   address: { hostname: "127.0.0.1", port: 50000 }, // or the server's IP
 *   authkey: Deno.env.get("MP_AUTHKEY")!,
 * });
 * const jobs = await client.queue<string>({ name: "jobs" });
 * console.log(await jobs.get()); // "hello from terminal 1"
 * ```
 *
 * @module
 */
import { type Authkey, toAuthkeyBytes } from "./_auth.ts";
import { type Address, checkSocketOptions } from "./_socket_endpoint.ts";
import { channelFor } from "./_manager_channel.ts";
import { ManagerServer } from "./_manager_server.ts";
import {
  type ManagerHandle,
  startServerProcess,
  startServerWorker,
} from "./_manager_host.ts";
import { ManagerClient } from "./manager_client.ts";

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
 * `ConnectionClosedError` when the server goes away, including when its
 * Worker crashes, exits or is terminated without shutting down.
 *
 * Threads of this process reach a server in a Worker over shared memory:
 * while a quick call (`dict.get()`, `list.append()` …) waits for its
 * answer, the calling thread spins for microseconds and then blocks
 * (`Atomics.wait`, never longer than 10 ms), instead of turning its event
 * loop; a call that waits on the server (`queue.get()`, `lock.acquire()`
 * …) waits asynchronously. A thread that ends while holding a manager lock
 * releases it once its end is known (a `Process` or `Pool` worker always).
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
export class Manager extends ManagerClient {
  #handle: ManagerHandle | undefined;
  #server: ManagerServer | undefined;
  #closed = false;

  /**
   * Wraps a started server. Use {@linkcode Manager.start}.
   *
   * @param address The bound address.
   * @param authkey The authkey.
   * @param host The server's Worker or subprocess, or the inline server.
   */
  constructor(
    address: Address,
    authkey: Uint8Array | undefined,
    host?: ManagerHandle | ManagerServer,
  ) {
    super(address, authkey, host?.local);
    if (host instanceof ManagerServer) this.#server = host;
    else this.#handle = host;
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
      return new Manager(server.address, authkey, server);
    }
    const handle = backend === "worker"
      ? await startServerWorker(config)
      : await startServerProcess(config);
    return new Manager(handle.address, authkey, handle);
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
  static async connect(
    options: ManagerConnectOptions,
  ): Promise<ManagerClient> {
    const checked = checkSocketOptions(options, "connect to Manager");
    const local = await channelFor({
      address: checked.address,
      authkey: checked.key,
    }).call(0, "ping", [], {}, "manager.ping");
    return new ManagerClient(
      checked.address,
      checked.key,
      typeof local === "string" ? local : undefined,
    );
  }

  /**
   * Registers directly on an inline server.
   *
   * @param typeId The type id.
   * @param factory The factory.
   * @param exposed The exposed methods.
   * @returns Whether the server runs on this thread.
   */
  protected override registerHere(
    typeId: string,
    factory: (...args: never[]) => unknown,
    exposed: string[] | undefined,
  ): boolean {
    this.#server?.registerFactory(typeId, factory, exposed);
    return this.#server !== undefined;
  }

  /**
   * Stops the server (when this program started it) and closes this
   * program's connection. Pending calls anywhere reject with
   * `ConnectionClosedError`. Idempotent.
   */
  async shutdown(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.close();
    this.#server?.close();
    await this.#handle?.stop();
  }

  /** Shuts down (`await using`). */
  override [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }
}
