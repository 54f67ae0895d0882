/**
 * The ipc files the kind registry (`_kinds.ts`) reads: every file of ipc/
 * that exports a shareable class (one with a static `[revive]`) or an error
 * class, and nothing else.
 *
 * The registry cannot read `ipc/mod.ts`: that would put `manager.ts` and
 * `listener.ts` on an import cycle through the codec, and a class that
 * `extends` another across such a cycle fails to load when the cycle is
 * entered from the wrong file. The files listed here only extend classes
 * of their own, of files that import nothing from ipc at run time, or (the
 * queue variants) of a class that `queue.ts` loads before them.
 * It also loads the Manager's client channel, which installs itself as
 * the carrier of proxy calls, so that a proxy revived in a thread that
 * never imported `ipc/mod.ts` works.
 *
 * A new shareable or error class of ipc/ must be listed here;
 * `tests/ipc/transfer_test.ts` checks that every one `ipc/mod.ts` exports
 * is.
 *
 * @module
 */
import "./_manager_channel.ts";
export * from "./connection.ts";
export * from "./queue.ts";
export { AuthenticationError } from "./_auth.ts";
export * from "./base_proxy.ts";
export * from "./dict_proxy.ts";
export * from "./list_proxy.ts";
export * from "./namespace_proxy.ts";
export * from "./value_proxy.ts";
export * from "./array_proxy.ts";
export * from "./queue_proxy.ts";
export * from "./lock_proxy.ts";
export * from "./semaphore_proxy.ts";
export * from "./event_proxy.ts";
export * from "./condition_proxy.ts";
export * from "./custom_proxy.ts";
