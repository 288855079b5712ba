/**
 * One timer loop for the runner's periodic services (schedules, pollers): `tick` runs,
 * then the next one is set `everyMs` later (never two at once); `stop` clears the timer
 * and waits for a running tick.
 */

/** A started-or-stopped periodic service. */
export interface Periodic {
  /** Starts the loop (a first tick now). */
  start(): void;
  /** Stops it and waits for a running tick. */
  stop(): Promise<void>;
}

/** A loop around `tick`. */
export function periodic(tick: () => Promise<void>, everyMs: number): Periodic {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const loop = () => {
    if (stopped) return;
    running = tick().finally(() => {
      running = undefined;
      if (!stopped) timer = setTimeout(loop, everyMs);
    });
  };
  return {
    start() {
      stopped = false;
      loop();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
