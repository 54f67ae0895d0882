/**
 * `Process` objects that stand for a child this code did not create (a
 * pool worker listed by `activeChildren()`) or for the current process
 * (`currentProcess()`): `process.ts` registers how to build one, since
 * its constructor takes only public options.
 *
 * @module
 */
import type { Child } from "./_child.ts";
import type { Process } from "./process.ts";

/** What a facade stands for. */
export interface FacadeInit {
  child: Child | undefined;
  name: string;
  pid: number;
  daemon: boolean;
}

let make: ((init: FacadeInit) => Process) | undefined;

/** Registers the builder (`process.ts` does, once). */
export function setFacadeMaker(maker: (init: FacadeInit) => Process): void {
  make = maker;
}

/** A `Process` standing for `init`. */
export function makeFacade(init: FacadeInit): Process {
  return make!(init);
}
