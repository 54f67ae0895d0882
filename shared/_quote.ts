/**
 * How a received value is shown in an error message: strings quoted,
 * bigints with their `n`, byte arrays by their first bytes, and nothing that
 * can throw while being printed.
 *
 * @module
 */

/** Quotes a received value for an error message. */
export function quote(value: unknown): string {
  if (typeof value === "string") {
    return JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value);
  }
  if (typeof value === "bigint") return `${value}n`;
  if (value instanceof Uint8Array) {
    return `Uint8Array(${value.length}) [${value.subarray(0, 8).join(", ")}${
      value.length > 8 ? ", …" : ""
    }]`;
  }
  if (typeof value === "function") return `function ${value.name}`;
  if (typeof value === "symbol") return value.toString();
  if (Object.is(value, -0)) return "-0";
  if (Array.isArray(value)) return `array of ${value.length}`;
  if (typeof value === "object" && value !== null) {
    return Object.prototype.toString.call(value);
  }
  return String(value);
}
