/** Shared by the setup/doctor tests: waiting on a condition the engine reaches asynchronously. */

/** Resolves once `cond()` is true; checks after each short pause, fails after `timeoutMs`. */
export async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
