/**
 * The Manager's server: owns the shared objects and runs the calls proxies
 * make on them, one connection per client thread, over the protocol of
 * `_manager_protocol.ts`.
 *
 * Each request runs as soon as it arrives, so calls that do not wait run in
 * arrival order, and a waiting call (`queue.get()`, `lock.acquire()`) holds
 * up nothing behind it. Only methods in a type's table can be called. A
 * connection that sends anything malformed (bad frame, undecodable body,
 * wrong shape) is closed; the server keeps serving the others. When a
 * client disconnects, its waiting calls are cancelled and the locks it held
 * are released.
 *
 * Clients in other OS processes or machines come over sockets, one
 * session each reading its own frames; clients in this process come over
 * shared-memory lanes, served together by one loop (`_manager_lanes.ts`).
 * A server in its own Worker or subprocess is started by
 * `_manager_entry.ts`.
 *
 * @module
 */
import { type AcceptLoop, openAcceptLoop } from "./_accept_loop.ts";
import { type Address, checkSocketOptions } from "./_socket_endpoint.ts";
import { openDoor } from "./_local_door.ts";
import { createBeacon, markGone } from "./_local_beacon.ts";
import type { LocalTransport } from "./_local_ring.ts";
import { LaneHub } from "./_manager_lanes.ts";
import { Session, type SessionTransport } from "./_manager_session.ts";
import type { Request } from "./_manager_protocol.ts";
import {
  type CallContext,
  COLLECTION_TYPES,
  type ServerType,
} from "./_manager_types.ts";
import { WAITING_TYPES } from "./_manager_waits.ts";

/** A custom type to load into the server (`Manager.register`). */
export interface Registration {
  /** The type id proxies ask for. */
  typeId: string;
  /** URL of the module that exports the factory. */
  module: string;
  /** Name of the factory export. */
  exportName: string;
  /** The factory's source text, checked against the export's. */
  source: string;
  /** Method names proxies may call; all public methods when absent. */
  exposed?: string[];
  /** A built-in type whose methods (and proxy class) the objects get. */
  proxyType?: string;
}

/** What a server needs to start. */
export interface ServerConfig {
  /** Where to listen. */
  address: Address;
  /** The authkey, as bytes. */
  authkey?: Uint8Array;
  /** Allow a non-loopback address without authkey. */
  insecure?: boolean;
  /** Custom types to load first. */
  registrations?: Registration[];
}

/** How a server runs besides its configuration. */
export interface ServerOptions {
  /**
   * The beacon to publish to same-process clients (`_local_beacon.ts`);
   * one is made when absent.
   */
  beacon?: Int32Array;
  /**
   * Whether the server has its thread to itself (its own Worker or
   * process), so its lane loop may block it briefly. Default `false`.
   */
  dedicated?: boolean;
}

interface Entry {
  typeId: string;
  type: ServerType;
  obj: unknown;
}

/** The type of a registered factory's objects: their public methods. */
function customType(
  factory: (...args: unknown[]) => unknown,
  exposed: string[] | undefined,
): ServerType {
  return {
    create: (args) => factory(...args),
    methods: {},
    resolve(obj, name) {
      const allowed = exposed === undefined
        ? !name.startsWith("_") && !name.startsWith("#") &&
          name !== "constructor"
        : exposed.includes(name);
      const fn = (obj as Record<string, unknown> | null)?.[name];
      if (!allowed || typeof fn !== "function") return undefined;
      return (o: Record<string, (...a: unknown[]) => unknown>, args) =>
        o[name]!(...args);
    },
  };
}

/** The server; see the module note. */
export class ManagerServer {
  #loop: AcceptLoop;
  #types = new Map<string, ServerType>();
  #objects = new Map<number, Entry>();
  #named = new Map<string, number>();
  #nextId = 1;
  #sessions = new Set<Session>();
  #sockets = 0;
  /** Calls waiting on this server (a queue's `get()`, a lock …). */
  waits = 0;
  #closed = false;
  #done: Promise<void>;
  #finish!: () => void;

  #door: { local: string; close(): void };
  #beacon: Int32Array;
  #lanes: LaneHub;

  /** Serves on `loop`, which it owns from now on, and opens its door. */
  constructor(
    loop: AcceptLoop,
    key: Uint8Array | undefined,
    options: ServerOptions = {},
  ) {
    this.#loop = loop;
    this.#beacon = options.beacon ?? createBeacon();
    const dedicated = options.dedicated ?? false;
    // Blocking the thread would hold up sockets, timers and the replies
    // of waiting calls: only when none of them can be there.
    this.#lanes = new LaneHub(this.#beacon, {
      mayBlock: () => dedicated && this.#sockets === 0 && this.waits === 0,
    });
    this.#door = openDoor(key, this.#beacon, (lane) => this.#serveLane(lane));
    for (const [id, type] of Object.entries(COLLECTION_TYPES)) {
      this.#types.set(id, type);
    }
    for (const [id, type] of Object.entries(WAITING_TYPES)) {
      this.#types.set(id, type);
    }
    this.#done = new Promise((resolve) => this.#finish = resolve);
  }

  /** Opens the listening socket for `config` and builds a server on it. */
  static async open(
    config: ServerConfig,
    options: ServerOptions = {},
  ): Promise<ManagerServer> {
    const checked = checkSocketOptions({
      address: config.address,
      ...(config.authkey === undefined ? {} : { authkey: config.authkey }),
      ...(config.insecure === undefined ? {} : { insecure: config.insecure }),
    }, "start Manager");
    const server = new ManagerServer(
      await openAcceptLoop(checked, 128),
      checked.key,
      options,
    );
    for (const registration of config.registrations ?? []) {
      await server.register(registration);
    }
    return server;
  }

  /**
   * The server's name for same-process clients (`"<pid>:<token>"`), which
   * proxies carry to find the fast lane.
   */
  get local(): string {
    return this.#door.local;
  }

  /** The bound address. */
  get address(): Address {
    return this.#loop.address;
  }

  /** Settles once the server has closed. */
  get done(): Promise<void> {
    return this.#done;
  }

  /** Accepts clients until closed. */
  async serve(): Promise<void> {
    while (!this.#closed) {
      const result = await this.#loop.take(true);
      if (result === undefined) break;
      if ("transport" in result) this.#serveSocket(result.transport);
    }
  }

  /** Loads a custom type from its module. */
  async register(r: Registration): Promise<void> {
    const mod = await import(r.module);
    const factory = mod[r.exportName];
    if (typeof factory !== "function") {
      throw new TypeError(
        `Cannot register "${r.typeId}" as ${r.module} does not export a function named "${r.exportName}": export it from that module`,
      );
    }
    if (factory.toString() !== r.source) {
      throw new TypeError(
        `Cannot register "${r.typeId}" as the export "${r.exportName}" of ${r.module} is not the function passed to register(): pass the exported function itself`,
      );
    }
    if (r.proxyType === undefined) {
      this.#types.set(r.typeId, customType(factory, r.exposed));
      return;
    }
    const base = this.#types.get(r.proxyType);
    if (base === undefined || base.resolve !== undefined) {
      throw new TypeError(
        `Cannot register "${r.typeId}" as proxyType is not a built-in type: received "${r.proxyType}"`,
      );
    }
    this.#types.set(r.typeId, {
      create: (args) => factory(...args),
      methods: base.methods,
    });
  }

  /** Registers a factory directly (a server on the caller's thread). */
  registerFactory(
    typeId: string,
    factory: (...args: never[]) => unknown,
    exposed: string[] | undefined,
  ): void {
    this.#types.set(
      typeId,
      customType(factory as (...args: unknown[]) => unknown, exposed),
    );
  }

  /** Stops serving: closes the socket and every client connection. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    markGone(this.#beacon);
    this.#loop.close();
    this.#door.close();
    this.#lanes.close();
    for (const session of this.#sessions) session.close();
    this.#finish();
  }

  #create(typeId: unknown, args: unknown, name: unknown): number {
    if (typeof name === "string") {
      const known = this.#named.get(name);
      if (known !== undefined) {
        if (this.#objects.get(known)!.typeId !== typeId) {
          throw new TypeError(
            `Cannot get shared object "${name}" as a ${
              String(typeId)
            }: it is a ${this.#objects.get(known)!.typeId}`,
          );
        }
        return known;
      }
    }
    const type = typeof typeId === "string"
      ? this.#types.get(typeId)
      : undefined;
    if (type === undefined) {
      throw new TypeError(
        `Cannot create object as its type is not registered on this manager: received "${
          String(typeId)
        }"`,
      );
    }
    const obj = type.create(Array.isArray(args) ? args : []);
    const id = this.#nextId++;
    this.#objects.set(id, { typeId: typeId as string, type, obj });
    if (typeof name === "string") this.#named.set(name, id);
    return id;
  }

  /** Runs one request; resolves to its result. */
  run(request: Request, ctx: CallContext): unknown {
    const [, objectId, method, args] = request;
    if (objectId === 0) {
      switch (method) {
        case "create":
          return this.#create(args[0], args[1], args[2]);
        case "ping":
          return this.local;
        case "register":
          return this.register(args[0] as Registration);
        case "shutdown":
          queueMicrotask(() => setTimeout(() => this.close(), 0));
          return undefined;
        default:
          throw new TypeError(
            `Cannot call manager.${method} as it is not a manager operation`,
          );
      }
    }
    const entry = this.#objects.get(objectId);
    if (entry === undefined) {
      throw new RangeError(
        `Cannot call ${method}() as object ${objectId} does not exist on this manager`,
      );
    }
    const { type } = entry;
    const fn = type.resolve !== undefined
      ? type.resolve(entry.obj, method)
      : Object.hasOwn(type.methods, method)
      ? type.methods[method]
      : undefined;
    if (typeof fn !== "function") {
      throw new TypeError(
        `Cannot call ${entry.typeId}.${method}() as it is not exposed`,
      );
    }
    return fn(entry.obj, args, ctx);
  }

  #serveSocket(transport: SessionTransport): void {
    if (this.#closed) {
      transport.close();
      return;
    }
    const session = new Session(this, transport);
    this.#sessions.add(session);
    this.#sockets++;
    session.run().finally(() => {
      this.#sessions.delete(session);
      this.#sockets--;
    });
  }

  #serveLane(lane: LocalTransport): void {
    if (this.#closed) {
      lane.close();
      return;
    }
    const session = new Session(this, lane);
    this.#sessions.add(session);
    session.onClose(() => this.#sessions.delete(session));
    this.#lanes.add(session, lane);
  }
}
