// Turns the rounds' raw numbers into the Markdown table: median and min–max
// per implementation and metric, and ours ÷ that implementation's median.
import type { Row } from "./_plan.ts";

/** What the rounds produced for one entry: numbers per metric, or why none. */
export interface Outcome {
  values: Record<string, number[]>;
  note?: string;
}

/** Median of a non-empty list. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Formats with about three significant digits, k/M for large numbers. */
export function num(x: number): string {
  const abs = Math.abs(x);
  if (abs >= 1e6) return `${(x / 1e6).toPrecision(3)} M`;
  if (abs >= 1e4) return `${(x / 1e3).toPrecision(3)} k`;
  if (abs >= 100) return Math.round(x).toLocaleString("en-US");
  return x.toPrecision(3);
}

/** Renders every row, one line per (implementation, metric). */
export function table(
  rows: Row[],
  outcomes: Map<string, Outcome>,
  rounds: number,
): string {
  const lines = [
    `| workload | implementation | median | min – max (${rounds} ${
      rounds === 1 ? "round" : "rounds"
    }) | ours ÷ this |`,
    "| --- | --- | ---: | ---: | ---: |",
  ];
  for (const row of rows) {
    for (const metric of row.metrics) {
      const better = metric.lowerIsBetter ? "lower" : "higher";
      lines.push(
        `| **${row.title}**: ${metric.label}, ${better} is better | | | | |`,
      );
      const med = (entryId: string): number | undefined => {
        const xs = outcomes.get(`${row.id}/${entryId}`)?.values[metric.key];
        return xs && xs.length > 0 ? median(xs) : undefined;
      };
      const ours = med("ours");
      for (const entry of row.entries) {
        const outcome = outcomes.get(`${row.id}/${entry.id}`);
        const xs = outcome?.values[metric.key] ?? [];
        const note = entry.note ?? outcome?.note;
        if (xs.length === 0) {
          lines.push(`| | ${entry.label} | — | ${note ?? "no result"} | — |`);
          continue;
        }
        const m = median(xs);
        const range = `${num(Math.min(...xs))} – ${num(Math.max(...xs))}`;
        const partial = note ? ` (${note})` : "";
        const ratio = entry.id === "ours"
          ? "1"
          : ours === undefined
          ? "—"
          : (ours / m).toFixed(2);
        lines.push(
          `| | ${entry.label} | ${num(m)} | ${range}${partial} | ${ratio} |`,
        );
      }
    }
  }
  return lines.join("\n");
}
