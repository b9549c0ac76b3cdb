/**
 * A spinner on stderr for operations that take a while. It appears only when stderr
 * is a terminal and the operation has run for `delayMs`, so quick commands and piped
 * output stay clean.
 */
import type { OutputStream } from './io.ts';
import { sanitizeLine } from './sanitize.ts';
import { truncateToWidth } from './table.ts';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const CLEAR_LINE = '\r\u001b[K';

export interface Spinner {
  /** Replaces the text shown next to the spinner (sanitized). */
  update(text: string): void;
  /** Hides the spinner while something else uses the terminal (a question). */
  pause(): void;
  resume(): void;
  stop(): void;
}

export interface SpinnerOptions {
  delayMs?: number;
  intervalMs?: number;
}

const NO_SPINNER: Spinner = { update() {}, pause() {}, resume() {}, stop() {} };

export function startSpinner(stream: OutputStream, text: string, options: SpinnerOptions = {}): Spinner {
  if (!stream.isTTY) return NO_SPINNER;
  let label = sanitizeLine(text);
  let frame = 0;
  let visible = false;
  let paused = false;
  let stopped = false;
  let ticker: NodeJS.Timeout | undefined;

  const render = () => {
    if (stopped || paused) return;
    // A terminal that reports no width (0 columns under some wrappers) gets the usual 80.
    const width = (stream.columns || 80) - 1;
    stream.write(`${CLEAR_LINE}${truncateToWidth(`${FRAMES[frame++ % FRAMES.length]} ${label}`, width)}`);
    visible = true;
  };
  const clear = () => {
    if (visible) stream.write(CLEAR_LINE);
    visible = false;
  };
  const delay = setTimeout(() => {
    render();
    ticker = setInterval(render, options.intervalMs ?? 80);
    ticker.unref();
  }, options.delayMs ?? 300);
  delay.unref();

  return {
    update(next) {
      label = sanitizeLine(next);
      if (visible) render();
    },
    pause() {
      paused = true;
      clear();
    },
    resume() {
      paused = false;
      if (ticker) render();
    },
    stop() {
      stopped = true;
      clearTimeout(delay);
      clearInterval(ticker);
      clear();
    },
  };
}
