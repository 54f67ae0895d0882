// One suite, several backends: `testEachBackend()` registers a test body once
// per backend that runs children in isolation, with the backend in the test
// name ("Process.join() returns 0 [subprocess]"), through the leak-checking
// `test()`. Cases that only make sense on one backend use `test()` directly
// or pass `backends`.
import type { Backend } from "@mp/multiprocessing/pool";
import { test } from "../_leak_check.ts";

/** The backends the shared Process and Pool suites run on. */
export const BACKENDS: readonly Backend[] = ["worker", "subprocess"];

/** Options of `testEachBackend()`. */
export interface EachBackendOptions {
  /** The backends to run on. Default `BACKENDS`. */
  backends?: readonly Backend[];
  /** Skips the test. Default `false`. */
  ignore?: boolean;
}

/** Registers `fn` as one test per backend, named `"<name> [<backend>]"`. */
export function testEachBackend(
  name: string,
  fn: (backend: Backend, t: Deno.TestContext) => Promise<void> | void,
  options: EachBackendOptions = {},
): void {
  for (const backend of options.backends ?? BACKENDS) {
    test(`${name} [${backend}]`, (t) => fn(backend, t), {
      ignore: options.ignore ?? false,
    });
  }
}
