/** Waits until `probe` holds, polling every `everyMs`; fails after 5 s naming `what`. */
export async function until(what: string, probe: () => boolean, everyMs = 10): Promise<void> {
  const end = Date.now() + 5000;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
