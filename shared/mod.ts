/**
 * Placeholder module doc for `@mp/multiprocessing/shared`; replaced when the
 * module lands.
 *
 * @module
 */
export {};
