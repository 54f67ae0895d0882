/**
 * The transfer walk: how shared objects and errors cross a thread or process
 * boundary, on top of structured clone (or the package's codec).
 *
 * Sending: `toTransferable(value)` first scans the value (plain objects,
 * arrays, `Map`, `Set`, to any depth, cycles allowed) for anything structured
 * clone would lose or refuse: shareable instances, errors, functions,
 * symbols, class instances with methods. If there is none, the value itself
 * is returned, so plain data costs one cheap scan. Otherwise a copy is built
 * in which every shareable is a marker `{ __mp_transfer__: "shareable",
 * kind, data }`, every error an error record, and the whole copy is wrapped
 * in an envelope `{ __mp_transfer__: "value", value }`; a user object that
 * happens to own the `__mp_transfer__` key is escaped, so nothing is
 * misread. Cycles and shared references are kept (one copy per original).
 *
 * Receiving: `fromTransferable(value)` returns anything that is not an
 * envelope unchanged, and otherwise revives the markers in place (the
 * received value is a fresh clone owned by the receiver): kind → class
 * through the registry (`_kinds.ts`, re-exported here: `registerKind`,
 * `lookupKind`), then the class's static `[revive](data)` (`_revive.ts`).
 * Nothing here may be called while `sync/`, `shared/` or `ipc/` modules are
 * still evaluating (no top-level calls from them).
 *
 * @module
 */
import { describe, isShareable, type Shareable } from "../sync/_shareable.ts";
import { type ErrorRecord, MARK, recordError } from "./_error_record.ts";
import { reviveValue } from "./_revive.ts";
import { describeValue, hasMethods, keySeg } from "./_unclonable.ts";

export { type ErrorRecord, MARK };
export {
  lookupKind,
  registerErrorClass,
  registerKind,
  type Reviver,
} from "./_kinds.ts";

/** Options of {@linkcode toTransferable}. */
export interface TransferOptions {
  /** Name of the value in error messages, e.g. `"args"`. Default `"value"`. */
  name?: string;
  /**
   * The value is going to another OS process: a shareable whose description
   * holds a `SharedArrayBuffer` (or a bare `SharedArrayBuffer`) is a
   * `TypeError`. Default `false`.
   */
  crossProcess?: boolean;
  /**
   * With `crossProcess`: offer each shared-memory shareable to the bridge
   * set by {@linkcode setCrossProcessBridge} before refusing it (the
   * subprocess backend bridges Queues and pipe ends). Default `false`.
   */
  bridge?: boolean;
}

interface Path {
  up: Path | undefined;
  seg: string;
}

function formatPath(path: Path): string {
  const segs: string[] = [];
  for (let p: Path | undefined = path; p !== undefined; p = p.up) {
    segs.push(p.seg);
  }
  return segs.reverse().join("");
}

function mapKeyText(key: unknown): string {
  if (typeof key === "string") return JSON.stringify(key);
  if (typeof key === "object" && key !== null) return "…";
  return typeof key === "bigint" ? `${key}n` : String(key);
}

// ---------------------------------------------------------------------------
// Scan: does the value need a copy? (no paths, no allocation on plain data)

function isLeaf(value: object): boolean {
  return ArrayBuffer.isView(value) || value instanceof ArrayBuffer ||
    value instanceof SharedArrayBuffer || value instanceof Date ||
    value instanceof RegExp || value instanceof Blob ||
    value instanceof Number || value instanceof String ||
    value instanceof Boolean || value instanceof BigInt;
}

function holdsShared(value: object): boolean {
  return value instanceof SharedArrayBuffer ||
    (ArrayBuffer.isView(value) && value.buffer instanceof SharedArrayBuffer);
}

function needsCopy(
  value: unknown,
  seen: Set<object>,
  crossProcess: boolean,
): boolean {
  const type = typeof value;
  if (type === "function" || type === "symbol") return true;
  if (type !== "object" || value === null) return false;
  const obj = value as Record<string, unknown>;
  if (seen.has(obj)) return false;
  seen.add(obj);
  if (Array.isArray(obj)) {
    for (let i = 0; i < obj.length; i++) {
      if (itemNeedsCopy(obj[i], seen, crossProcess)) return true;
    }
    return false;
  }
  const proto = Object.getPrototypeOf(obj);
  if (proto !== Object.prototype && proto !== null) {
    if (isShareable(obj) || obj instanceof Error) return true;
    if (obj instanceof Map) {
      for (const [k, v] of obj) {
        if (
          needsCopy(k, seen, crossProcess) || needsCopy(v, seen, crossProcess)
        ) return true;
      }
      return false;
    }
    if (obj instanceof Set) {
      for (const v of obj) if (needsCopy(v, seen, crossProcess)) return true;
      return false;
    }
    if (isLeaf(obj)) return crossProcess && holdsShared(obj);
    if (hasMethods(proto)) return true;
  }
  if (MARK in obj) return true;
  for (const key in obj) {
    if (itemNeedsCopy(obj[key], seen, crossProcess)) return true;
  }
  return false;
}

/** `needsCopy` of an array item or property, without a call for scalars. */
function itemNeedsCopy(
  item: unknown,
  seen: Set<object>,
  crossProcess: boolean,
): boolean {
  return typeof item === "object"
    ? item !== null && needsCopy(item, seen, crossProcess)
    : typeof item === "function" || typeof item === "symbol";
}

// ---------------------------------------------------------------------------
// Copy: markers for shareables, records for errors, paths in errors.

interface CopyState {
  memo: Map<object, unknown>;
  crossProcess: boolean;
  bridge: boolean;
  /** Inside an error record: unclonables become descriptive strings. */
  lenient: boolean;
}

function refuse(path: Path, what: string, received: string): never {
  throw new TypeError(
    `Cannot send ${formatPath(path)} as it is ${what}: received ${received}`,
  );
}

function unclonable(value: unknown, path: Path, state: CopyState): unknown {
  const text = describeValue(value);
  if (state.lenient) return `[unclonable ${text}]`;
  if (typeof value === "function") {
    refuse(path, "a function", `${text}; send data, not code`);
  }
  if (typeof value === "symbol") refuse(path, "a symbol", text);
  const name = (value as object).constructor?.name ?? "Object";
  refuse(
    path,
    `an instance of ${name}, which has methods and is not shareable`,
    `${text}; send plain data instead`,
  );
}

/**
 * Describes a shareable over shared memory so that another OS process can
 * still use it (the subprocess backend's bridge), or returns `undefined`.
 */
export type CrossProcessBridge = (
  obj: Shareable,
  kind: string,
) => { kind: string; data: unknown } | undefined;

let crossProcessBridge: CrossProcessBridge | undefined;

/** Sets the bridge tried before a cross-process shareable is refused. */
export function setCrossProcessBridge(bridge: CrossProcessBridge): void {
  crossProcessBridge = bridge;
}

function describeShareable(
  obj: Shareable,
  path: Path,
  state: CopyState,
): unknown {
  const desc = obj[describe]();
  if (state.crossProcess && containsShared(desc.data, new Set())) {
    const bridged = state.bridge
      ? crossProcessBridge?.(obj, desc.kind)
      : undefined;
    if (bridged !== undefined) {
      return { [MARK]: "shareable", kind: bridged.kind, data: bridged.data };
    }
    throw new TypeError(
      `Cannot send ${
        formatPath(path)
      } to another process as it is a ${desc.kind} over shared memory: use a Manager proxy (manager.${
        managerMethodFor(desc.kind)
      }()) or a socket-backed Queue instead`,
    );
  }
  return { [MARK]: "shareable", kind: desc.kind, data: desc.data };
}

function managerMethodFor(kind: string): string {
  const name = kind.slice(kind.indexOf(".") + 1);
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/**
 * Whether `value` (a shareable's description data) holds shared memory or a
 * port anywhere inside it, so that it can cross neither a process boundary
 * nor a byte stream that may leave the process (a ring, which stays in it,
 * carries shared memory by SAB hub id: `_sab_hub.ts`).
 */
export function holdsSharedMemory(value: unknown): boolean {
  return containsShared(value, new Set());
}

function containsShared(value: unknown, seen: Set<object>): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (seen.has(value)) return false;
  seen.add(value);
  if (holdsShared(value)) return true;
  if (value instanceof MessagePort) return true;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return false;
  const items = value instanceof Map
    ? [...value.keys(), ...value.values()]
    : value instanceof Set
    ? [...value]
    : Object.values(value);
  return items.some((item) => containsShared(item, seen));
}

function copy(value: unknown, path: Path, state: CopyState): unknown {
  if (typeof value === "function" || typeof value === "symbol") {
    return unclonable(value, path, state);
  }
  if (typeof value !== "object" || value === null) return value;
  const done = state.memo.get(value);
  if (done !== undefined) return done;
  if (isShareable(value)) {
    const marker = describeShareable(value, path, state);
    state.memo.set(value, marker);
    return marker;
  }
  if (value instanceof Error) {
    return recordError(value, (inner, seg) => {
      const saved = state.lenient;
      state.lenient = true;
      try {
        return copy(inner, { up: path, seg }, state);
      } finally {
        state.lenient = saved;
      }
    }, (r) => state.memo.set(value, r));
  }
  if (Array.isArray(value)) {
    const out: unknown[] = new Array(value.length);
    state.memo.set(value, out);
    for (let i = 0; i < value.length; i++) {
      out[i] = copy(value[i], { up: path, seg: `[${i}]` }, state);
    }
    return out;
  }
  if (value instanceof Map) {
    const out = new Map();
    state.memo.set(value, out);
    let i = 0;
    for (const [k, v] of value) {
      out.set(
        copy(k, { up: path, seg: `.keys()[${i++}]` }, state),
        copy(v, { up: path, seg: `.get(${mapKeyText(k)})` }, state),
      );
    }
    return out;
  }
  if (value instanceof Set) {
    const out = new Set();
    state.memo.set(value, out);
    let i = 0;
    for (const v of value) {
      out.add(copy(v, { up: path, seg: `.values()[${i++}]` }, state));
    }
    return out;
  }
  if (isLeaf(value)) {
    if (state.crossProcess && holdsShared(value)) {
      throw new TypeError(
        `Cannot send ${
          formatPath(path)
        } to another process as it is shared memory: received ${value.constructor.name}; use a Manager proxy or a socket-backed Queue instead`,
      );
    }
    return value;
  }
  const proto = Object.getPrototypeOf(value);
  if (
    proto !== Object.prototype && proto !== null &&
    (hasMethods(proto) || value instanceof WeakMap ||
      value instanceof WeakSet || value instanceof Promise)
  ) {
    return unclonable(value, path, state);
  }
  const out: Record<string, unknown> = {};
  let result: unknown = out;
  if (MARK in value) result = { [MARK]: "object", value: out };
  state.memo.set(value, result);
  const obj = value as Record<string, unknown>;
  for (const key in obj) {
    out[key] = copy(obj[key], { up: path, seg: keySeg(key) }, state);
  }
  return result;
}

/**
 * Prepares `value` for structured clone (or the package's codec): shareable
 * instances become descriptions, errors become records. Returns `value`
 * itself when it holds nothing to replace.
 *
 * @throws {TypeError} naming the path of an unclonable part (a function, a
 * symbol, a class instance with methods that is not shareable), or of a
 * shared-memory object when `options.crossProcess` is set.
 */
export function toTransferable(
  value: unknown,
  options: TransferOptions = {},
): unknown {
  const crossProcess = options.crossProcess ?? false;
  const seen = new Set<object>();
  if (!needsCopy(value, seen, crossProcess)) return value;
  const state: CopyState = {
    memo: new Map(),
    crossProcess,
    bridge: options.bridge ?? false,
    lenient: false,
  };
  const root: Path = { up: undefined, seg: options.name ?? "value" };
  return { [MARK]: "value", value: copy(value, root, state) };
}

export function fromTransferable(value: unknown): unknown {
  if (
    typeof value !== "object" || value === null ||
    (value as Record<string, unknown>)[MARK] !== "value"
  ) return value;
  return reviveValue((value as { value: unknown }).value, new Map());
}

/**
 * Turns a thrown value into a structured-clonable record: class name,
 * message, stack, `cause` (recursively), own enumerable properties, and
 * `AggregateError.errors`. Parts that cannot be cloned become descriptive
 * strings rather than failing. A thrown non-error is kept as `thrown`.
 */
export function serializeError(error: unknown): ErrorRecord {
  const state: CopyState = {
    memo: new Map(),
    crossProcess: false,
    bridge: false,
    lenient: true,
  };
  const root: Path = { up: undefined, seg: "error" };
  if (error instanceof Error) return copy(error, root, state) as ErrorRecord;
  return {
    [MARK]: "error",
    className: "",
    name: "",
    message: String(error),
    props: {},
    thrown: copy(error, root, state),
  };
}

/**
 * Rebuilds what {@linkcode serializeError} recorded: the same class when it
 * is a global error class (or one of this package's), otherwise an `Error`
 * whose `name` is the remote class name; stack, cause and properties kept.
 * A recorded non-error comes back as that value.
 */
export function deserializeError(record: ErrorRecord): unknown {
  if ("thrown" in record) return reviveValue(record.thrown, new Map());
  return reviveValue(record, new Map());
}
