/**
 * The options of `ManagerClient`'s calls: registering a custom type, and
 * creating shared objects (by name, and queues with a `maxsize`).
 *
 * @module
 */

/** Options of {@linkcode ManagerClient.register}. */
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

/** Options of {@linkcode ManagerClient.queue}. */
export interface ManagerQueueOptions extends SharedObjectOptions {
  /** Most items held; `0` means no limit. Default `0`. */
  maxsize?: number;
}
