/**
 * How a child encodes what it sends: the transfer walk of `ipc/_transfer.ts`
 * for anything but plain values, loaded on first need.
 *
 * The walk brings the registry of every shareable class, so a child whose
 * tasks only pass primitives (or arrays of them, or long number chunks as
 * `Float64Array`) starts without loading the whole package. A child whose
 * permissions may not allow reading the package later gets it from its
 * entry instead (`provideTransfer`, `useTransferLoader`). An error that must be recorded
 * synchronously before the walk is loaded (a crash while the task module
 * loads) gets a plain record: class, name, message, stack, nested values as
 * text.
 *
 * @module
 */
import { type ErrorRecord, MARK, recordError } from "../ipc/_error_record.ts";

/**
 * What a child uses of the transfer walk's module. Spelled out instead of
 * `typeof import("../ipc/_transfer.ts")`: when Deno type-checks (`deno
 * test`, `deno bench`, `deno run --check`) it builds each new worker's
 * module graph with its type-only imports, and that edge alone put the
 * whole package into every worker's graph (measured: about 6 ms more per
 * worker start).
 */
export interface Transfer {
  /** `toTransferable` of `ipc/_transfer.ts`. */
  toTransferable(value: unknown, options?: { name?: string }): unknown;
  /** `fromTransferable` of `ipc/_transfer.ts`. */
  fromTransferable(value: unknown): unknown;
  /** `serializeError` of `ipc/_transfer.ts`. */
  serializeError(error: unknown): ErrorRecord;
}

/**
 * Not a literal: Deno loads the graph of a literal dynamic import with the
 * worker itself (measured: most of the bootstrap's start-up cost), which is
 * what this module avoids.
 */
const TRANSFER_URL = new URL("../ipc/_transfer.ts", import.meta.url).href;

/** The thread's walk, loaded or loading, and how to load it. */
interface TransferSlot {
  transfer: Transfer | undefined;
  loading: Promise<Transfer> | undefined;
  loader: () => Promise<Transfer>;
}

/**
 * On `globalThis`, one per walk URL: every copy of this file that loads the
 * same walk (the worker bootstrap's bundle inlines one) shares it.
 */
const slot: TransferSlot = (() => {
  const holder = globalThis as unknown as Record<symbol, TransferSlot>;
  return holder[Symbol.for(`@mp/multiprocessing.transfer ${TRANSFER_URL}`)] ??=
    {
      transfer: undefined,
      loading: undefined,
      loader: () => import(TRANSFER_URL),
    };
})();

/** The walk, when loaded. */
export function loadedTransfer(): Transfer | undefined {
  return slot.transfer;
}

/** Loads the walk (once). */
export function loadTransfer(): Promise<Transfer> {
  const loaded = slot.transfer;
  if (loaded !== undefined) return Promise.resolve(loaded);
  return slot.loading ??= slot.loader().then((m) => slot.transfer = m);
}

/** Hands over the walk, already loaded (a static import of the entry). */
export function provideTransfer(module: Transfer): void {
  slot.transfer = module;
}

/**
 * Replaces how the walk is loaded: a child whose permissions may not allow
 * reading this package at run time passes `() => import(<literal>)`, which
 * Deno loads with the entry's graph (no permission needed).
 */
export function useTransferLoader(load: () => Promise<Transfer>): void {
  slot.loader = load;
}

/** Whether `value` is a transfer envelope that needs reviving. */
export function isEnvelope(value: unknown): boolean {
  return typeof value === "object" && value !== null &&
    (value as Record<string, unknown>)[MARK] === "value";
}

/** Whether `value` crosses as it is (not an object, function or symbol). */
export function isPrimitive(value: unknown): boolean {
  const type = typeof value;
  return type === "object"
    ? value === null
    : type !== "function" && type !== "symbol";
}

/** Whether `value` is an array of primitives only (crosses as it is). */
export function primitiveArray(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) {
    if (!isPrimitive(value[i])) return false;
  }
  return true;
}

/** An error record, synchronously (see the module note). */
export function errorRecord(error: unknown): ErrorRecord {
  const transfer = slot.transfer;
  if (transfer !== undefined) return transfer.serializeError(error);
  const text = (value: unknown): unknown =>
    value instanceof Error
      ? recordError(value, text, () => {})
      : isPrimitive(value)
      ? value
      : String(value);
  if (error instanceof Error) return recordError(error, text, () => {});
  return {
    [MARK]: "error",
    className: "",
    name: "",
    message: String(error),
    props: {},
    thrown: text(error),
  };
}
