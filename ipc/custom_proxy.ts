/**
 * `CustomProxy`: the proxy of an object of a type registered with
 * `Manager.register()`.
 *
 * @module
 */
import { revive } from "../sync/_shareable.ts";
import { BaseProxy, type ProxyReference } from "./base_proxy.ts";
import { invoke } from "./_proxy_reference.ts";

/** The async view of `T`'s methods, as a proxy exposes them. */
export type RemoteMethods<T> = {
  // deno-lint-ignore no-explicit-any
  [K in keyof T as T[K] extends (...args: any[]) => any ? K : never]:
    T[K] extends (...args: infer A) => infer R
      ? (...args: A) => Promise<Awaited<R>>
      : never;
};

/** A proxy of a registered type: `call()` plus one async method per method. */
export type AutoProxy<T> = CustomProxy & RemoteMethods<T>;

const PASS_THROUGH = new Set([
  "then",
  "catch",
  "finally",
  "toJSON",
  "constructor",
]);

function wrap(target: CustomProxy): CustomProxy {
  return new Proxy(target, {
    get(t, name) {
      if (typeof name === "symbol" || name in t || PASS_THROUGH.has(name)) {
        const value = Reflect.get(t, name, t);
        return typeof value === "function" ? value.bind(t) : value;
      }
      return (...args: unknown[]) => t.call(name, ...args);
    },
  });
}

/**
 * The proxy of an object made by a factory registered with
 * `manager.register()` (Python's `BaseManager.register()`): every exposed
 * method of the object is an async method of the proxy (`await
 * counter.increment()`), or call one by name with `call()`. Methods that
 * are not exposed are refused by the server.
 *
 * @example
 * ```ts
 * import { Manager } from "@mp/multiprocessing/ipc";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager.start({ backend: "inline" });
 * class Counter {
 *   n = 0;
 *   increment(by = 1): number {
 *     return this.n += by;
 *   }
 * }
 * await manager.register("Counter", () => new Counter(), { exposed: ["increment"] });
 * const counter = await manager.create<Counter>("Counter");
 * assert.equal(await counter.increment(), 1);
 * assert.equal(await counter.call("increment", 2), 3);
 * ```
 */
export class CustomProxy extends BaseProxy {
  /**
   * Calls the exposed method `method` of the object with `args`.
   *
   * @param method The method name.
   * @param args Its arguments (copied; proxies stay proxies).
   * @returns A copy of its result.
   * @throws {TypeError} when the method is not exposed.
   */
  call(method: string, ...args: unknown[]): Promise<unknown> {
    return invoke(this, method, args);
  }

  /**
   * Rebuilds the proxy from its description, with its methods.
   *
   * @param data The reference the proxy was described with.
   * @returns The proxy.
   */
  static override [revive]<T>(
    this: new (ref: ProxyReference) => T,
    data: never,
  ): T {
    return wrap(new CustomProxy(data)) as T;
  }

  /**
   * Makes the proxy of a registered object. Used by `Manager.create()`.
   *
   * @param reference Where the object lives.
   * @returns The proxy, with one async method per exposed method.
   */
  static of<T>(reference: ProxyReference): AutoProxy<T> {
    return wrap(new CustomProxy(reference)) as AutoProxy<T>;
  }
}
