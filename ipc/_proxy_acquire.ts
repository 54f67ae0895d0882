/**
 * How a lock-like Manager proxy (lock, semaphore, condition) takes its
 * object on the server: `acquireGuard` waits (the `timeout` travels to the
 * server, which times the wait; the `signal` stays with the call) and
 * `tryAcquireGuard` does not. Both answer with the guard of the acquisition
 * (`guardOf`), which releases it through the proxy's `release`.
 *
 * @module
 */
import type { ProxyWaitOptions } from "./base_proxy.ts";
import { guardOf, invoke } from "./_proxy_reference.ts";

/** The guard of one acquisition (see `guardOf`). */
type Guard = ReturnType<typeof guardOf>;

/** Waits on the server until `proxy`'s object is taken. */
export async function acquireGuard(
  proxy: object,
  options: ProxyWaitOptions,
): Promise<Guard> {
  await invoke(proxy, "acquire", [{ timeout: options.timeout }], options);
  return guardOf(proxy);
}

/** Takes `proxy`'s object if it is free; `undefined` when it is not. */
export async function tryAcquireGuard(
  proxy: object,
): Promise<Guard | undefined> {
  return await invoke(proxy, "tryAcquire", []) ? guardOf(proxy) : undefined;
}
