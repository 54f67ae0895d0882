/**
 * Scoped permissions for children: which Deno permissions a `Process` or a
 * `Pool` child gets, checked so that a child never holds more than its parent.
 *
 * The same {@linkcode Permissions} value works for both backends:
 *
 * - `"worker"`: it becomes the Worker's `deno.permissions`. **This needs
 *   Deno's unstable worker options.** Without them, Deno ends the whole
 *   process with exit code 70 the moment a Worker asks for permissions, and
 *   nothing (no `try`/`catch`) can catch or detect it. Turn them on in your
 *   `deno.json`:
 *
 *   ```json
 *   { "unstable": ["worker-options"] }
 *   ```
 *
 *   or run with `deno run --unstable-worker-options …`. The library passes
 *   `deno.permissions` only when you give a `permissions` option, so code that
 *   does not ask for permissions never needs the flag.
 * - `"subprocess"`: it becomes `--allow-*` flags of the child's `deno run`
 *   (stable, no flag needed). Without a `permissions` option a subprocess gets
 *   what the parent holds; `"none"` gives it none.
 *
 * @module
 */

/** The name of one Deno permission, as in `--allow-<name>`. */
export type PermissionName =
  | "read"
  | "write"
  | "net"
  | "env"
  | "run"
  | "ffi"
  | "sys"
  | "import";

/**
 * One permission of a {@linkcode PermissionSet}: `true` (all of it), `false`
 * (none of it), `"inherit"` (what the parent holds) or a list that scopes it.
 */
export type PermissionValue<Item = string> = "inherit" | boolean | Item[];

/**
 * Permissions given one by one, with the shape of Deno's
 * `Deno.PermissionOptionsObject`. A permission left out is denied.
 */
export interface PermissionSet {
  /** File system reads: `true`, `false`, `"inherit"` or paths. Default `false`. */
  read?: PermissionValue<string | URL>;
  /** File system writes: `true`, `false`, `"inherit"` or paths. Default `false`. */
  write?: PermissionValue<string | URL>;
  /** Network: `true`, `false`, `"inherit"` or `"host[:port]"` / `"unix:<path>"` strings. Default `false`. */
  net?: PermissionValue;
  /** Environment variables: `true`, `false`, `"inherit"` or variable names. Default `false`. */
  env?: PermissionValue;
  /** Running programs: `true`, `false`, `"inherit"` or commands. Default `false`. */
  run?: PermissionValue<string | URL>;
  /** Foreign functions (effectively everything): `true`, `false`, `"inherit"` or library paths. Default `false`. */
  ffi?: PermissionValue<string | URL>;
  /** System information: `true`, `false`, `"inherit"` or kinds such as `"hostname"`. Default `false`. */
  sys?: PermissionValue;
  /** Remote imports: `true`, `false`, `"inherit"` or hosts. Default `false`. */
  import?: PermissionValue;
}

/**
 * What a child may do: `"inherit"` (what the parent holds), `"none"`, or a
 * {@linkcode PermissionSet}. A child never gets more than its parent.
 */
export type Permissions = "inherit" | "none" | PermissionSet;

/** The permission names, in flag order. */
const NAMES: readonly PermissionName[] = [
  "read",
  "write",
  "net",
  "env",
  "run",
  "ffi",
  "sys",
  "import",
];

/** Permissions whose list items are paths (a `file:` URL is accepted). */
const PATH_NAMES: ReadonlySet<PermissionName> = new Set([
  "read",
  "write",
  "run",
  "ffi",
]);

function quote(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value instanceof URL) return `URL ${JSON.stringify(value.href)}`;
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  if (typeof value === "object") {
    return `an instance of ${value.constructor?.name ?? "Object"}`;
  }
  return String(value);
}

function urlToPath(url: URL): string {
  const path = decodeURIComponent(url.pathname);
  if (Deno.build.os !== "windows") return path;
  return path.replace(/^\/([A-Za-z]:)/, "$1").replaceAll("/", "\\");
}

function checkItem(name: PermissionName, item: unknown): string {
  if (item instanceof URL && PATH_NAMES.has(name)) {
    if (item.protocol !== "file:") {
      throw new TypeError(
        `Cannot use permissions as "${name}" accepts only file: URLs: received ${
          quote(item)
        }`,
      );
    }
    return urlToPath(item);
  }
  if (typeof item !== "string" || item === "") {
    const what = PATH_NAMES.has(name)
      ? "paths or file: URLs"
      : "non-empty strings";
    throw new TypeError(
      `Cannot use permissions as the items of "${name}" must be ${what}: received ${
        quote(item)
      }`,
    );
  }
  return item;
}

function checkValue(name: PermissionName, value: unknown): PermissionValue {
  if (value === "inherit" || typeof value === "boolean") return value;
  if (!Array.isArray(value)) {
    throw new TypeError(
      `Cannot use permissions as "${name}" must be "inherit", a boolean or an array: received ${
        quote(value)
      }`,
    );
  }
  return value.map((item) => checkItem(name, item));
}

function descriptor(
  name: PermissionName,
  item?: string,
): Deno.PermissionDescriptor {
  if (item === undefined) return { name } as Deno.PermissionDescriptor;
  switch (name) {
    case "read":
    case "write":
    case "ffi":
      return { name, path: item };
    case "net":
    case "import":
      return { name, host: item };
    case "env":
      return { name, variable: item };
    case "run":
      return { name, command: item };
    case "sys":
      return {
        name,
        kind: item as NonNullable<Deno.SysPermissionDescriptor["kind"]>,
      };
  }
}

function holds(name: PermissionName, item?: string): boolean {
  let state: Deno.PermissionState;
  try {
    state = Deno.permissions.querySync(descriptor(name, item)).state;
  } catch (error) {
    throw new TypeError(
      `Cannot use permissions as "${name}" item ${quote(item)} is not valid: ${
        (error as Error).message
      }`,
      { cause: error },
    );
  }
  return state === "granted";
}

function refuse(name: PermissionName, item?: string): never {
  const what = item === undefined
    ? `"${name}"`
    : `"${name}" for ${quote(item)}`;
  const flag = item === undefined
    ? `--allow-${name}`
    : `--allow-${name}=${item}`;
  throw new Deno.errors.NotCapable(
    `Cannot grant ${what} to a child as the parent does not hold it: run the parent with ${flag} or ask for less`,
  );
}

/**
 * Validates a `permissions` option and checks that it does not widen what
 * this thread holds (a child never gets more than its parent). Returns a
 * normalised copy: `file:` URLs become paths, arrays are copied and frozen.
 *
 * Deno cannot report scoped grants (`--allow-read=/tmp`) or deny lists as a
 * whole, so the check asks about each requested item: `read: true` needs the
 * parent's unscoped `--allow-read`, `read: ["/tmp"]` needs read access to
 * `/tmp`. A parent's deny list (`--deny-read=/secret`) is not seen: a Worker
 * keeps it, but a subprocess child given `read: true` (or inheriting it) does
 * not, so name the grants a subprocess child needs when the parent denies
 * some.
 *
 * @param permissions The value given as the `permissions` option.
 * @returns The validated, normalised permissions.
 * @throws {TypeError} When the shape is wrong (the message names the key).
 * @throws {Deno.errors.NotCapable} When it asks for something the parent does
 * not hold (the message names the permission and the flag that would allow it).
 *
 * @example Validate and normalise
 * ```ts
 * import { checkPermissions } from "@mp/multiprocessing/pool";
 * import assert from "node:assert/strict";
 *
 * // Under `deno test --allow-all` the parent holds everything.
 * const checked = checkPermissions({ read: [new URL("file:///tmp")], net: false });
 * assert.deepEqual(checked, { read: ["/tmp"], net: false });
 * assert.throws(() => checkPermissions({ reed: true }), TypeError);
 * assert.throws(() => checkPermissions({ read: 1 }), /"read" must be/);
 * ```
 */
export function checkPermissions(permissions: unknown): Permissions {
  if (permissions === "inherit" || permissions === "none") return permissions;
  if (
    typeof permissions !== "object" || permissions === null ||
    Array.isArray(permissions)
  ) {
    throw new TypeError(
      `Cannot use permissions as they must be "inherit", "none" or an object: received ${
        quote(permissions)
      }`,
    );
  }
  const out: Record<string, PermissionValue> = {};
  for (const [key, value] of Object.entries(permissions)) {
    if (!NAMES.includes(key as PermissionName)) {
      throw new TypeError(
        `Cannot use permissions as "${key}" is not a permission name: expected one of ${
          NAMES.join(", ")
        }`,
      );
    }
    if (value === undefined) continue;
    const name = key as PermissionName;
    const checked = checkValue(name, value);
    if (checked === true && !holds(name)) refuse(name);
    if (Array.isArray(checked)) {
      for (const item of checked) if (!holds(name, item)) refuse(name, item);
      Object.freeze(checked);
    }
    out[name] = checked;
  }
  return Object.freeze(out) as PermissionSet;
}

/**
 * Converts checked permissions into a Worker's `deno.permissions` option.
 *
 * Pass the result only when the user asked for permissions: asking for
 * Worker permissions without `"unstable": ["worker-options"]` in deno.json (or
 * `--unstable-worker-options`) ends the whole process with exit code 70.
 *
 * @param permissions Permissions returned by {@linkcode checkPermissions}.
 * @returns The value for `new Worker(url, { deno: { permissions } })`.
 * @throws {TypeError} When `permissions` has the wrong shape.
 * @throws {Deno.errors.NotCapable} When it asks for more than the parent holds.
 *
 * @example A worker that cannot read files
 * ```ts
 * import { toWorkerPermissions } from "@mp/multiprocessing/pool";
 * import assert from "node:assert/strict";
 *
 * const code = `try { Deno.readTextFileSync("/etc/hostname"); postMessage("read"); }
 *   catch (e) { postMessage(e.name); }`;
 * const worker = new Worker(`data:text/javascript,${encodeURIComponent(code)}`, {
 *   type: "module",
 *   deno: { permissions: toWorkerPermissions({ read: false }) },
 * });
 * try {
 *   const answer = await new Promise((resolve) => worker.onmessage = (e) => resolve(e.data));
 *   assert.equal(answer, "NotCapable");
 * } finally {
 *   worker.terminate();
 * }
 * ```
 */
export function toWorkerPermissions(
  permissions: Permissions,
): Deno.PermissionOptions {
  const checked = checkPermissions(permissions);
  if (typeof checked === "string") return checked;
  const out: Deno.PermissionOptionsObject = {};
  for (const name of NAMES) {
    const value = checked[name];
    if (value === undefined) continue;
    (out as Record<string, unknown>)[name] = Array.isArray(value)
      ? [...value]
      : value;
  }
  return out;
}

/** Options for {@linkcode permissionFlags}. */
export interface PermissionFlagsOptions {
  /**
   * Extra network items the child needs for the library's own plumbing
   * (a Unix socket `"unix:<path>"`), added unless `net` is already `true`.
   * Default `[]`.
   */
  net?: readonly string[];
}

function inherited(name: PermissionName): PermissionValue {
  return holds(name);
}

/**
 * Converts permissions into `deno run` flags for a subprocess child.
 *
 * Without permissions (`undefined`), or with `"inherit"`, the child gets what
 * the parent holds. Deno can only report whole grants, so a scoped grant of
 * the parent (`--allow-read=/tmp`) is not inherited: name it
 * (`{ read: ["/tmp"] }`); nor is a deny list (`--deny-read=/secret`), so a
 * parent with one should name the child's grants. `"none"` gives no flags.
 * `--no-prompt` is not included.
 *
 * @param permissions Permissions, or `undefined` for the subprocess default.
 * @param options Extra items for the library's own plumbing.
 * @returns The `--allow-*` flags, e.g. `["--allow-read=/tmp"]`.
 * @throws {TypeError} When the shape is wrong, or a list item contains a comma
 * (a `deno run` flag cannot carry one).
 * @throws {Deno.errors.NotCapable} When it asks for more than the parent holds.
 *
 * @example Flags for a subprocess child
 * ```ts
 * import { permissionFlags } from "@mp/multiprocessing/pool";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(permissionFlags({ read: ["/tmp"], env: true }), [
 *   "--allow-read=/tmp",
 *   "--allow-env",
 * ]);
 * assert.deepEqual(permissionFlags("none"), []);
 * ```
 */
export function permissionFlags(
  permissions?: Permissions,
  options: PermissionFlagsOptions = {},
): string[] {
  // Checked lists hold strings only (URLs became paths).
  const checked = checkPermissions(permissions ?? "inherit") as
    | "inherit"
    | "none"
    | Partial<Record<PermissionName, PermissionValue>>;
  const extraNet = options.net ?? [];
  const flags: string[] = [];
  for (const name of NAMES) {
    let value: PermissionValue | undefined = typeof checked === "string"
      ? (checked === "inherit" ? inherited(name) : false)
      : checked[name];
    if (value === "inherit") value = inherited(name);
    if (name === "net" && extraNet.length > 0 && value !== true) {
      value = [...(Array.isArray(value) ? value : []), ...extraNet];
    }
    if (value === true) {
      flags.push(`--allow-${name}`);
    } else if (Array.isArray(value) && value.length > 0) {
      for (const item of value) {
        if (item.includes(",")) {
          throw new TypeError(
            `Cannot pass "${name}" to a subprocess as a deno run flag cannot hold a comma: received ${
              quote(item)
            }`,
          );
        }
      }
      flags.push(`--allow-${name}=${value.join(",")}`);
    }
  }
  return flags;
}
