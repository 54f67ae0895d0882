/**
 * The link between a proxy object and the manager object it stands for:
 * a reference (address, authkey, id, type id) kept in a `WeakMap` keyed by
 * the proxy, so that proxy classes hold no visible fields and `invoke()`
 * can reach the manager from any proxy method. A reference that arrives
 * from elsewhere (a description) is checked before it is used.
 *
 * This file imports nothing at run time, on purpose: proxy classes extend
 * `BaseProxy` at module evaluation, and `ipc/mod.ts` is part of an import
 * cycle (the kind registry imports it), so nothing under `BaseProxy` may
 * reach the codec or the registry. The channel that carries calls
 * (`_manager_channel.ts`) installs itself here with `setCaller()` when it
 * loads, and `ipc/mod.ts` always loads it.
 *
 * @module
 */
import type { Address } from "./_socket_endpoint.ts";

/** Carries one call to the manager `ref` names. */
export type Caller = (
  ref: ProxyReference,
  method: string,
  args: unknown[],
  signal: AbortSignal | undefined,
) => Promise<unknown>;

let caller: Caller | undefined;

/** Installs the channel that carries proxy calls (once, at its load). */
export function setCaller(fn: Caller): void {
  caller = fn;
}

/** Where a proxy's object lives: what a proxy carries when it crosses. */
export interface ProxyReference {
  /** The manager's address. */
  address: Address;
  /** The manager's authkey, if it has one. */
  authkey: Uint8Array | undefined;
  /** The object's id on the manager. */
  id: number;
  /** The object's type id (`"dict"`, `"list"`, a registered id …). */
  typeId: string;
  /**
   * The server's name for clients in its own OS process
   * (`"<pid>:<token>"`), through which they reach it over shared memory
   * instead of the socket. Default: none (always the socket).
   */
  local?: string | undefined;
}

const refs = new WeakMap<object, ProxyReference>();

function checkReference(data: unknown): ProxyReference {
  const ref = data as Partial<ProxyReference> | null;
  if (
    typeof ref !== "object" || ref === null ||
    typeof ref.address !== "object" || ref.address === null ||
    typeof ref.id !== "number" || typeof ref.typeId !== "string" ||
    !(ref.authkey === undefined || ref.authkey instanceof Uint8Array) ||
    !(ref.local === undefined || typeof ref.local === "string")
  ) {
    throw new TypeError(
      "Cannot revive Manager proxy as its description is malformed: expected { address, authkey, id, typeId }",
    );
  }
  return {
    address: { ...ref.address },
    authkey: ref.authkey,
    id: ref.id,
    typeId: ref.typeId,
    local: ref.local,
  };
}

/** Calls `method` on the object behind `proxy` (a bound proxy). */
export function invoke(
  proxy: object,
  method: string,
  args: unknown[],
  options: { signal?: AbortSignal | undefined } = {},
): Promise<unknown> {
  const ref = referenceOf(proxy);
  if (caller === undefined) {
    throw new TypeError(
      'Cannot call a Manager proxy as the Manager client is not loaded: import "@mp/multiprocessing/ipc"',
    );
  }
  return caller(ref, method, args, options.signal);
}

/** Binds `proxy` to the (checked) `reference`. */
export function bindReference(proxy: object, reference: unknown): void {
  refs.set(proxy, checkReference(reference));
}

/** The reference `proxy` is bound to. */
export function referenceOf(proxy: object): ProxyReference {
  const ref = refs.get(proxy);
  if (ref === undefined) {
    throw new TypeError(
      "Cannot use proxy as it is not bound to a manager object",
    );
  }
  return ref;
}

/**
 * The guard of one acquisition of a lock-like proxy: releases it once, by
 * `release()`, at the end of an `await using` scope, or (without waiting
 * for the server) at the end of a `using` scope.
 */
export function guardOf(proxy: object): {
  release(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
  [Symbol.dispose](): void;
} {
  let released: Promise<void> | undefined;
  const release = () =>
    released ??= invoke(proxy, "release", []).then(() => {});
  return {
    release,
    [Symbol.asyncDispose]: release,
    [Symbol.dispose]: () => void release().catch(() => {}),
  };
}
