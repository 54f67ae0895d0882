// Cost of the transfer walk (ipc/_transfer.ts) on top of structured clone.
// Issue 3: for a 10,000-element plain array the walk must stay within 2× of
// structured clone alone.
import { fromTransferable, toTransferable } from "../ipc/_transfer.ts";

const numbers = Array.from({ length: 10_000 }, (_, i) => i * 1.5);
const records = Array.from(
  { length: 10_000 },
  (_, i) => ({ id: i, name: `n${i}` }),
);

Deno.bench({
  name: "structuredClone alone",
  group: "10k numbers",
  baseline: true,
  fn: () => {
    structuredClone(numbers);
  },
});

Deno.bench({
  name: "toTransferable + structuredClone + fromTransferable",
  group: "10k numbers",
  fn: () => {
    fromTransferable(structuredClone(toTransferable(numbers)));
  },
});

Deno.bench({
  name: "structuredClone alone",
  group: "10k {id, name} objects",
  baseline: true,
  fn: () => {
    structuredClone(records);
  },
});

Deno.bench({
  name: "toTransferable + structuredClone + fromTransferable",
  group: "10k {id, name} objects",
  fn: () => {
    fromTransferable(structuredClone(toTransferable(records)));
  },
});
