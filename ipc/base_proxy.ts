/**
 * The base class of every Manager proxy.
 *
 * @module
 */
import { describe, revive } from "../sync/_shareable.ts";
import type { Address } from "./_socket_endpoint.ts";
import {
  bindReference,
  type ProxyReference,
  referenceOf,
} from "./_proxy_reference.ts";

export type { ProxyReference };

/** Options of proxy calls that wait on the server. */
export interface ProxyWaitOptions {
  /**
   * Stop waiting: the call rejects with `signal.reason` and the server
   * drops the wait. Default: none.
   */
  signal?: AbortSignal;
  /**
   * Milliseconds the server waits before the call rejects with a
   * `DOMException` named `"TimeoutError"`; `0` tries once. Default: no
   * limit.
   */
  timeout?: number;
}

/**
 * What every Manager proxy shares: a reference to one object on a manager
 * server (address, authkey, object id). A proxy can be sent anywhere (task
 * arguments, `Queue`s, `Connection`s, other Workers, subprocesses, other
 * machines): it crosses as its reference and reconnects on the receiving
 * side on first use. It holds no shared memory.
 *
 * @example A proxy crosses as its reference
 * ```ts
 * import { Manager } from "@mp/multiprocessing/ipc";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager.start({ backend: "inline" });
 * const dict = await manager.dict<string, number>();
 * assert.equal(dict.typeId, "dict");
 * assert.deepEqual(dict.address, manager.address);
 * ```
 */
export class BaseProxy {
  /**
   * Wraps a reference. Proxies come from a `Manager`, not from here.
   *
   * @param reference Where the object lives.
   */
  constructor(reference: ProxyReference) {
    bindReference(this, reference);
  }

  /** The type id of the object, e.g. `"dict"`. */
  get typeId(): string {
    return referenceOf(this).typeId;
  }

  /** The id of the object on its manager. */
  get id(): number {
    return referenceOf(this).id;
  }

  /** The address of the manager that holds the object. */
  get address(): Address {
    return { ...referenceOf(this).address };
  }

  /**
   * Describes this proxy for the trip to another thread or process.
   *
   * @returns Its kind and reference.
   */
  [describe](): { kind: string; data: ProxyReference } {
    return {
      kind: `ipc.${this.constructor.name}`,
      data: { ...referenceOf(this) },
    };
  }

  /**
   * Rebuilds a proxy from its description.
   *
   * @param data The reference {@linkcode BaseProxy.[describe]} gave.
   * @returns A proxy of the class it is called on.
   */
  static [revive]<T>(this: new (ref: ProxyReference) => T, data: never): T {
    return new this(data);
  }
}
