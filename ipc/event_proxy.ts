/**
 * `EventProxy`: a flag that lives on a Manager.
 *
 * @module
 */
import { BaseProxy, type ProxyWaitOptions } from "./base_proxy.ts";
import { invoke } from "./_proxy_reference.ts";

/**
 * An event held by a Manager (Python's `manager.Event()`): `wait()` until
 * some client calls `set()`.
 *
 * @example
 * ```ts
 * import { Manager } from "@mp/multiprocessing/ipc";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager.start();
 * const ready = await manager.event();
 * const waiting = ready.wait();
 * await ready.set();
 * await waiting;
 * assert.equal(await ready.isSet(), true);
 * ```
 */
export class EventProxy extends BaseProxy {
  /** Sets the flag, waking every waiter. */
  async set(): Promise<void> {
    await invoke(this, "set", []);
  }

  /** Clears the flag. */
  async clear(): Promise<void> {
    await invoke(this, "clear", []);
  }

  /**
   * Whether the flag is set.
   *
   * @returns `true` when set.
   */
  isSet(): Promise<boolean> {
    return invoke(this, "isSet", []) as Promise<boolean>;
  }

  /**
   * Waits until the flag is set.
   *
   * @param options `signal` and `timeout`.
   * @throws {DOMException} `TimeoutError` when `timeout` passes first.
   */
  async wait(options: ProxyWaitOptions = {}): Promise<void> {
    await invoke(this, "wait", [{ timeout: options.timeout }], options);
  }
}
