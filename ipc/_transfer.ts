/**
 * The registry of shareable kinds, and the walk that carries shared objects
 * and errors across a thread or process boundary.
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
 * through the registry, then the class's static `[revive](data)`.
 *
 * The registry is built lazily on first use from the exports of
 * `sync/mod.ts`, `shared/mod.ts` and `ipc/mod.ts`: an export `X` of folder
 * `f` with a static `[revive]` is kind `"f.X"` (the kind its instances
 * describe themselves with). `registerKind()` adds others. Nothing here may
 * be called while those modules are still evaluating (no top-level calls).
 *
 * @module
 */
import {
  describe,
  isShareable,
  revive,
  type Shareable,
} from "../sync/_shareable.ts";
import * as syncExports from "../sync/mod.ts";
import * as sharedExports from "../shared/mod.ts";
import * as ipcExports from "./mod.ts";
import {
  type ErrorRecord,
  MARK,
  type Rebuild,
  rebuildError,
  recordError,
} from "./_error_record.ts";

export { type ErrorRecord, MARK };

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
}

/** A class that revives descriptions of one kind. */
export type Reviver = { [revive](data: never): unknown };

const late = new Map<string, Reviver>();
let kinds: Map<string, Reviver> | undefined;
const errorClasses = new Map<string, ErrorConstructor>();

/**
 * Registers (or replaces) the class that revives descriptions of `kind`.
 * For classes outside `sync/`, `shared/` and `ipc/mod.ts`.
 */
export function registerKind(kind: string, cls: Reviver): void {
  if (typeof kind !== "string" || kind === "") {
    throw new TypeError(
      `Cannot register kind as it must be a non-empty string: received ${
        String(kind)
      }`,
    );
  }
  if (typeof cls?.[revive] !== "function") {
    throw new TypeError(
      `Cannot register kind "${kind}" as the class has no static [revive]()`,
    );
  }
  late.set(kind, cls);
  kinds?.set(kind, cls);
}

function buildKinds(): Map<string, Reviver> {
  const table = new Map<string, Reviver>();
  const folders: [string, Record<string, unknown>][] = [
    ["sync", syncExports],
    ["shared", sharedExports],
    ["ipc", ipcExports],
  ];
  for (const [folder, exports] of folders) {
    for (const [name, value] of Object.entries(exports)) {
      if (typeof value !== "function") continue;
      if (typeof (value as Partial<Reviver>)[revive] === "function") {
        table.set(`${folder}.${name}`, value as unknown as Reviver);
      }
      if (value.prototype instanceof Error) {
        errorClasses.set(name, value as ErrorConstructor);
      }
    }
  }
  for (const [kind, cls] of late) table.set(kind, cls);
  return table;
}

/** The class registered for `kind`, or `undefined`. */
export function lookupKind(kind: string): Reviver | undefined {
  kinds ??= buildKinds();
  let cls = kinds.get(kind);
  if (cls === undefined) {
    kinds = buildKinds(); // a module may have finished loading since
    cls = kinds.get(kind);
  }
  return cls;
}

function lookupErrorClass(name: string): ErrorConstructor | undefined {
  kinds ??= buildKinds();
  return errorClasses.get(name);
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

function keySeg(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key)
    ? `.${key}`
    : `[${JSON.stringify(key)}]`;
}

function mapKeyText(key: unknown): string {
  if (typeof key === "string") return JSON.stringify(key);
  if (typeof key === "object" && key !== null) return "…";
  return typeof key === "bigint" ? `${key}n` : String(key);
}

// ---------------------------------------------------------------------------
// Scan: does the value need a copy? (no paths, no allocation on plain data)

const methodsCache = new WeakMap<object, boolean>();

/** Whether instances with prototype `proto` have methods (cached). */
function hasMethods(proto: object): boolean {
  let known = methodsCache.get(proto);
  if (known === undefined) {
    known = false;
    for (
      let p: object | null = proto;
      p !== null && p !== Object.prototype;
      p = Object.getPrototypeOf(p)
    ) {
      for (const key of Reflect.ownKeys(p)) {
        if (key === "constructor") continue;
        const d = Object.getOwnPropertyDescriptor(p, key);
        if (d !== undefined && typeof d.value === "function") known = true;
      }
    }
    methodsCache.set(proto, known);
  }
  return known;
}

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
      const item = obj[i];
      if (
        typeof item === "object"
          ? item !== null && needsCopy(item, seen, crossProcess)
          : typeof item === "function" || typeof item === "symbol"
      ) return true;
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
    const item = obj[key];
    if (
      typeof item === "object"
        ? item !== null && needsCopy(item, seen, crossProcess)
        : typeof item === "function" || typeof item === "symbol"
    ) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------
// Copy: markers for shareables, records for errors, paths in errors.

interface CopyState {
  memo: Map<object, unknown>;
  crossProcess: boolean;
  /** Inside an error record: unclonables become descriptive strings. */
  lenient: boolean;
}

function refuse(path: Path, what: string, received: string): never {
  throw new TypeError(
    `Cannot send ${formatPath(path)} as it is ${what}: received ${received}`,
  );
}

function unclonable(value: unknown, path: Path, state: CopyState): unknown {
  const text = typeof value === "function"
    ? `function ${value.name || "(anonymous)"}`
    : typeof value === "symbol"
    ? value.toString()
    : `${(value as object).constructor?.name ?? "Object"} {…}`;
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

function describeShareable(
  obj: Shareable,
  path: Path,
  state: CopyState,
): unknown {
  const desc = obj[describe]();
  if (state.crossProcess && containsShared(desc.data, new Set())) {
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
  const state: CopyState = { memo: new Map(), crossProcess, lenient: false };
  const root: Path = { up: undefined, seg: options.name ?? "value" };
  return { [MARK]: "value", value: copy(value, root, state) };
}

// ---------------------------------------------------------------------------
// Revive: in place, markers → instances, records → errors.

function reviveMarker(
  marker: Record<string, unknown>,
  memo: Map<object, unknown>,
): unknown {
  switch (marker[MARK]) {
    case "shareable": {
      const kind = marker.kind as string;
      const cls = lookupKind(kind);
      if (cls === undefined) {
        throw new TypeError(
          `Cannot revive a shared object as its kind is not registered: received "${kind}"`,
        );
      }
      const instance = cls[revive](marker.data as never);
      memo.set(marker, instance);
      return instance;
    }
    case "error":
      return rebuildError(
        marker as unknown as ErrorRecord,
        ((v) => walk(v, memo)) satisfies Rebuild,
        lookupErrorClass,
        (e) => memo.set(marker, e),
      );
    case "object": {
      const inner = marker.value as Record<string, unknown>;
      memo.set(marker, inner);
      walkObject(inner, memo);
      return inner;
    }
    default:
      return marker;
  }
}

function walkObject(obj: Record<string, unknown>, memo: Map<object, unknown>) {
  for (const key in obj) {
    const item = obj[key];
    if (typeof item === "object" && item !== null) obj[key] = walk(item, memo);
  }
}

function walk(value: unknown, memo: Map<object, unknown>): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (memo.has(value)) return memo.get(value);
  if (Array.isArray(value)) {
    memo.set(value, value);
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (typeof item === "object" && item !== null) {
        value[i] = walk(item, memo);
      }
    }
    return value;
  }
  if (value instanceof Map) {
    memo.set(value, value);
    const entries = [...value].map(([k, v]) => [walk(k, memo), walk(v, memo)]);
    value.clear();
    for (const [k, v] of entries) value.set(k, v);
    return value;
  }
  if (value instanceof Set) {
    memo.set(value, value);
    const items = [...value].map((v) => walk(v, memo));
    value.clear();
    for (const v of items) value.add(v);
    return value;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const obj = value as Record<string, unknown>;
  if (typeof obj[MARK] === "string") return reviveMarker(obj, memo);
  memo.set(value, value);
  walkObject(obj, memo);
  return value;
}

/**
 * Revives what {@linkcode toTransferable} produced, after it crossed:
 * descriptions become working instances, records become errors. Values that
 * needed no copy come back unchanged. Revives in place: the argument must be
 * the receiver's own copy.
 *
 * @throws {TypeError} when a description names a kind nobody registered.
 */
export function fromTransferable(value: unknown): unknown {
  if (
    typeof value !== "object" || value === null ||
    (value as Record<string, unknown>)[MARK] !== "value"
  ) return value;
  return walk((value as { value: unknown }).value, new Map());
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
  if ("thrown" in record) return walk(record.thrown, new Map());
  return walk(record, new Map());
}
