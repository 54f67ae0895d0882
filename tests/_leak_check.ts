// Leak check for tests that start children: live Workers are invisible to
// Deno's sanitizers, so every pool/ test runs through `test()`, which fails
// the test when `activeChildren()` is not empty once the body has finished
// (after a short grace for exits that are already under way), and stops any
// leaked child so later tests start clean.
import { activeChildren } from "@mp/multiprocessing/pool";

/** Fails when children are still alive after a short grace period. */
export async function assertNoLeakedChildren(graceMs = 2000): Promise<void> {
  const deadline = performance.now() + graceMs;
  while (activeChildren().length > 0 && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const leaked = activeChildren();
  if (leaked.length === 0) return;
  const names = leaked.map((p) => p.name).join(", ");
  for (const child of leaked) child.kill();
  await Promise.all(leaked.map((child) => child.join().catch(() => {})));
  throw new Error(`Leaked ${leaked.length} live child(ren): ${names}`);
}

/** `Deno.test` with sanitizers on and the leak check after the body. */
export function test(
  name: string,
  fn: (t: Deno.TestContext) => Promise<void> | void,
  options: { ignore?: boolean } = {},
): void {
  Deno.test({
    name,
    ignore: options.ignore ?? false,
    sanitizeOps: true,
    sanitizeResources: true,
    async fn(t) {
      try {
        await fn(t);
      } catch (error) {
        await assertNoLeakedChildren().catch(() => {});
        throw error;
      }
      await assertNoLeakedChildren();
    },
  });
}
