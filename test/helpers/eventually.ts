/**
 * Polls until `check` holds (bounded): asynchronous outcomes, never timed assertions. Its own module, without jest,
 * as benches use it too.
 */
export async function eventually<T>(check: () => Promise<T | false | null | undefined> | T | false | null | undefined, what: string, tries = 250): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await check();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`Not reached: ${what}`);
}
