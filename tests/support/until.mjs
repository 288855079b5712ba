// Waits for a condition in the tests (not timed: it polls until the condition holds,
// and gives up after `tries` polls with the condition's name).
export async function until(f, what, { tries = 3000, everyMs = 10 } = {}) {
  for (let i = 0; i < tries; i++) {
    if (await f()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`not reached: ${what}`);
}
