/**
 * Placeholder module doc for `@mp/multiprocessing/ipc`; replaced when the
 * module lands.
 *
 * @module
 */
export {};
