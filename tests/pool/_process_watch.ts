// Watching OS processes from the subprocess tests: whether a pid is gone,
// and waiting (polling, with a generous deadline) for a condition such as
// that one.

/** Whether process `pid` is gone (or a zombie nobody has reaped yet). */
export async function isGone(pid: number): Promise<boolean> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return true;
    // A process that exits while its stat is read: ESRCH ("No such process").
    if (
      (error as { code?: unknown }).code === "ESRCH" ||
      /\(os error 3\)/.test(String(error))
    ) return true;
    throw error;
  }
}

/** Waits until `condition()` is (or resolves) true, polling; fails after `timeoutMs`. */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`Timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
