/**
 * Placeholder module doc for `@mp/multiprocessing/sync`; replaced when the
 * module lands.
 *
 * @module
 */
export {};
