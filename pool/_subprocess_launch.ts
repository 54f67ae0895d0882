/**
 * How a `"subprocess"` child is launched: its `deno run` command line. Its
 * one mechanism: give the child exactly the permissions, heap limit and
 * configuration it should have, and a main module that loads its task
 * module without any permission.
 *
 * `deno run --no-prompt <permission flags> [--config=<deno.json>]
 * [--v8-flags=--max-old-space-size=N] <data: entry> <boot info> <parent
 * pid>`:
 *
 * - permission flags: `permissionFlags()` of `permissions.ts` (by default
 *   what the parent holds);
 * - `--config`: the deno.json that governs the task module, found as Deno
 *   finds one for a main module (a `data:` main module gets none, and the
 *   task module's import map and unstable flags would be lost). Finding it
 *   needs read access to the folders above the task module;
 * - the entry imports `_subprocess_main.ts`, then the task module through a
 *   dynamic import of a literal URL: part of the module graph (loaded
 *   without permissions), yet a failure to load it can be caught.
 *
 * @module
 */
import type { BootInfo } from "./_protocol.ts";
import { permissionFlags, type Permissions } from "./permissions.ts";

const BOOTSTRAP = new URL("./_subprocess_main.ts", import.meta.url).href;

/** What a subprocess child is started with. */
export interface SubprocessOptions {
  /** Name, pid, daemon flag and task module of the child. */
  info: BootInfo;
  /** Checked permissions; `undefined` gives what the parent holds. */
  permissions: Permissions | undefined;
  /** V8 old-space limit of the child in MiB; `undefined` for V8's default. */
  memoryLimitMb?: number | undefined;
}

/**
 * Checks a `memoryLimitMb` option of `what` (`"Process"`, `"Pool"`): a
 * positive integer, and only on the `"subprocess"` backend (a Web Worker's
 * heap cannot be capped: an out-of-memory there ends the whole process).
 *
 * @throws {TypeError} When it is not a number, or the backend is not
 * `"subprocess"`.
 * @throws {RangeError} When it is not a positive integer.
 */
export function checkMemoryLimit(
  value: unknown,
  backend: string,
  what: string,
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number") {
    throw new TypeError(
      `Cannot create ${what} as memoryLimitMb must be a number: received ${
        typeof value === "string" ? JSON.stringify(value) : String(value)
      }`,
    );
  }
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(
      `Cannot create ${what} as memoryLimitMb must be a positive integer: received ${value}`,
    );
  }
  if (backend !== "subprocess") {
    throw new TypeError(
      `Cannot create ${what} with memoryLimitMb as only the "subprocess" backend can cap a child's heap: received backend "${backend}"`,
    );
  }
  return value;
}

const CONFIG_NAMES = ["deno.json", "deno.jsonc"];
const configs = new Map<string, string | null>();

/**
 * The deno.json that governs `module`: the nearest one in its folder or
 * above, as Deno finds it for a main module. A child's main module is a
 * `data:` URL, for which Deno looks for none, so the child is given this
 * one with `--config` (its import map, unstable flags …). Folders this
 * process may not read are skipped.
 */
function configFor(module: string): string | undefined {
  if (!module.startsWith("file:")) return undefined;
  let dir = new URL(".", module);
  const seen: string[] = [];
  let found: string | null = null;
  while (true) {
    const known = configs.get(dir.href);
    if (known !== undefined) {
      found = known;
      break;
    }
    seen.push(dir.href);
    for (const name of CONFIG_NAMES) {
      const file = new URL(name, dir);
      const path = decodeURIComponent(file.pathname);
      if (
        Deno.permissions.querySync({ name: "read", path }).state !== "granted"
      ) {
        continue;
      }
      try {
        if (Deno.statSync(file).isFile) found = path;
      } catch {
        // not there
      }
      if (found !== null) break;
    }
    const parent = new URL("..", dir);
    if (found !== null || parent.href === dir.href) break;
    dir = parent;
  }
  for (const href of seen) configs.set(href, found);
  return found ?? undefined;
}

/** The `deno run` arguments of a subprocess child. */
export function subprocessArgs(options: SubprocessOptions): string[] {
  const args = ["run", "--no-prompt", ...permissionFlags(options.permissions)];
  const config = configFor(options.info.module) ??
    configFor(Deno.mainModule);
  if (config !== undefined) args.push(`--config=${config}`);
  const limit = options.memoryLimitMb;
  if (limit !== undefined) {
    args.push(`--v8-flags=--max-old-space-size=${limit}`);
  }
  args.push(
    entryUrl(options.info.module),
    JSON.stringify(options.info),
    String(Deno.pid),
  );
  return args;
}

/**
 * The child's main module: the bootstrap, then the task module through a
 * dynamic import of a literal URL (see `_subprocess_main.ts`).
 */
function entryUrl(module: string): string {
  const source = [
    `import { boot, failImport } from ${JSON.stringify(BOOTSTRAP)};`,
    `let task;`,
    `try { task = await import(${JSON.stringify(module)}); }`,
    `catch (error) { failImport(error); }`,
    `if (task !== undefined) boot(task);`,
  ].join("\n");
  return `data:text/javascript,${encodeURIComponent(source)}`;
}
