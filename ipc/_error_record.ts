/**
 * Error records: an error as plain data, and back.
 *
 * Structured clone keeps an error's message, stack and `cause`, but turns a
 * subclass into its nearest global class, drops own properties and loses
 * `AggregateError.errors`. A record keeps all of them: the class name (the
 * constructor's name), `name`, `message`, `stack`, `cause`, `errors` and
 * every own enumerable property. Nested values (a cause, a property) go
 * through the transfer walk of `_transfer.ts`, which hands its own copy and
 * revive functions in, so a cause may itself be an error, a shared object or
 * plain data, and cycles (`e.cause = e`) survive.
 *
 * Rebuilding uses the same class when it is a global error class, a
 * `Deno.errors` class or an error class exported by this package; otherwise
 * an `Error` whose `name` is the remote class name. Constructors are never
 * called (they may want arguments): the instance is made with
 * `Reflect.construct(Error, [message], Class)`.
 *
 * @module
 */

/** The key that tags the transfer walk's markers and records. */
export const MARK = "__mp_transfer__";

/** An error (or any thrown value) as structured-clonable data. */
export interface ErrorRecord {
  /** Always `"error"`. */
  [MARK]: "error";
  /** The constructor's name, e.g. `"TypeError"`; `""` for a non-error. */
  className: string;
  /** The error's `name`. */
  name: string;
  /** The error's `message`. */
  message: string;
  /** The error's `stack`, when it had one. */
  stack?: string;
  /** The transferable form of `cause`, when the error had one. */
  cause?: unknown;
  /** The transferable form of `AggregateError.errors`. */
  errors?: unknown;
  /** Own enumerable properties, in transferable form. */
  props: Record<string, unknown>;
  /** A thrown value that was not an `Error`, in transferable form. */
  thrown?: unknown;
}

/** Copies one nested value; `seg` extends the path for error messages. */
export type Copy = (value: unknown, seg: string) => unknown;

/** Revives one nested value. */
export type Rebuild = (value: unknown) => unknown;

const GLOBAL_ERRORS: Record<string, ErrorConstructor> = {
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
  AggregateError: AggregateError as unknown as ErrorConstructor,
};

const SKIPPED_PROPS = new Set(["stack", "message", "cause"]);

/** Records `error`; `register` sees the record before nested values. */
export function recordError(
  error: Error,
  copy: Copy,
  register: (record: ErrorRecord) => void,
): ErrorRecord {
  const ctor = (error as { constructor?: unknown }).constructor;
  const record: ErrorRecord = {
    [MARK]: "error",
    className: typeof ctor === "function" ? ctor.name : "Error",
    name: String(error.name),
    message: String(error.message),
    props: {},
  };
  register(record);
  if (typeof error.stack === "string") record.stack = error.stack;
  if ("cause" in error) record.cause = copy(error.cause, ".cause");
  const errors = (error as { errors?: unknown }).errors;
  if (error instanceof AggregateError && Array.isArray(errors)) {
    record.errors = copy(errors, ".errors");
  }
  for (const key of Object.keys(error)) {
    if (SKIPPED_PROPS.has(key)) continue;
    record.props[key] = copy(
      (error as unknown as Record<string, unknown>)[key],
      `.${key}`,
    );
  }
  return record;
}

function define(
  target: object,
  key: string,
  value: unknown,
  enumerable = false,
) {
  Object.defineProperty(target, key, {
    value,
    writable: true,
    configurable: true,
    enumerable,
  });
}

function denoErrorClass(name: string): ErrorConstructor | undefined {
  const table = (globalThis as { Deno?: { errors?: Record<string, unknown> } })
    .Deno?.errors;
  const cls = table !== undefined && Object.hasOwn(table, name)
    ? table[name]
    : undefined;
  return typeof cls === "function" ? cls as ErrorConstructor : undefined;
}

/**
 * Rebuilds the error `record` describes; `register` sees it before nested
 * values are revived, so that cycles close.
 */
export function rebuildError(
  record: ErrorRecord,
  rebuild: Rebuild,
  lookup: (className: string) => ErrorConstructor | undefined,
  register: (error: Error) => void,
): Error {
  const { className, name, message } = record;
  let error: Error;
  if (className === "DOMException") {
    error = new DOMException(message, name);
  } else {
    const cls = (Object.hasOwn(GLOBAL_ERRORS, className)
      ? GLOBAL_ERRORS[className]
      : undefined) ?? lookup(className) ?? denoErrorClass(className);
    if (cls !== undefined) {
      error = Reflect.construct(Error, [message], cls) as Error;
      if (error.name !== name) {
        define(error, "name", name);
      }
    } else {
      error = new Error(message);
      define(error, "name", className === "" ? name : className);
    }
  }
  register(error);
  define(error, "stack", record.stack ?? `${error.name}: ${message}`);
  if ("cause" in record) define(error, "cause", rebuild(record.cause));
  if ("errors" in record) define(error, "errors", rebuild(record.errors));
  for (const [key, value] of Object.entries(record.props)) {
    define(error, key, rebuild(value), true);
  }
  return error;
}
