// The bare Web Worker of the raw start and memory baselines: what a
// hand-written child does with no library. It imports the same task module
// as ours (../ours/tasks.ts) and answers `{ name, args }` with that export's
// awaited result.
import * as tasks from "../ours/tasks.ts";

const scope = self as unknown as {
  onmessage: (event: MessageEvent) => void;
  postMessage(value: unknown): void;
};
const exports = tasks as unknown as Record<
  string,
  (...args: unknown[]) => unknown
>;

scope.onmessage = async (event) => {
  const { name, args } = event.data as { name: string; args: unknown[] };
  scope.postMessage(await exports[name]!(...args));
};
