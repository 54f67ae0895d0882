/**
 * Placeholder module doc for `@mp/multiprocessing/pool`; replaced when the
 * module lands.
 *
 * @module
 */
export * from "./permissions.ts";
