/**
 * `NamespaceProxy`: a record of named values that lives on a Manager.
 *
 * @module
 */
import { BaseProxy } from "./base_proxy.ts";
import { invoke } from "./_proxy_reference.ts";

/**
 * A shared namespace held by a Manager (Python's `manager.Namespace()`):
 * named values, read and written one name at a time. Values are copies,
 * except proxies.
 *
 * @example
 * ```ts
 * import { Manager } from "@mp/multiprocessing/ipc";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager.start();
 * const ns = await manager.namespace<{ x: number; y: string }>({ x: 1 });
 * await ns.set("y", "hello");
 * assert.equal(await ns.get("x"), 1);
 * assert.deepEqual(await ns.toObject(), { x: 1, y: "hello" });
 * ```
 */
export class NamespaceProxy<
  T extends Record<string, unknown> = Record<string, unknown>,
> extends BaseProxy {
  /**
   * The value of `name`, or `undefined`.
   *
   * @param name The name.
   * @returns A copy of its value.
   */
  get<N extends keyof T & string>(name: N): Promise<T[N] | undefined> {
    return invoke(this, "get", [name]) as Promise<T[N] | undefined>;
  }

  /**
   * Sets `name` to `value`.
   *
   * @param name The name.
   * @param value The value.
   */
  async set<N extends keyof T & string>(name: N, value: T[N]): Promise<void> {
    await invoke(this, "set", [name, value]);
  }

  /**
   * Whether `name` is set.
   *
   * @param name The name.
   * @returns `true` when set.
   */
  has(name: keyof T & string): Promise<boolean> {
    return invoke(this, "has", [name]) as Promise<boolean>;
  }

  /**
   * Removes `name`.
   *
   * @param name The name.
   * @returns Whether it was set.
   */
  delete(name: keyof T & string): Promise<boolean> {
    return invoke(this, "delete", [name]) as Promise<boolean>;
  }

  /**
   * A copy of every name and value.
   *
   * @returns A plain object.
   */
  toObject(): Promise<Partial<T>> {
    return invoke(this, "toObject", []) as Promise<Partial<T>>;
  }
}
