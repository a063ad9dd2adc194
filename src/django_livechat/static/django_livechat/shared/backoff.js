// Published by js/widget/build.mjs from js/shared/backoff.js: edit that file.
/** Reconnection delays: exponential, capped, with jitter so that clients spread out. */

export const MAX_DELAY = 30;

/**
 * The delay in seconds before reconnection attempt ``attempt`` (0 for the first):
 * "equal jitter", uniformly between half and all of min(MAX_DELAY, base × 2^attempt).
 */
export function backoffDelay(attempt, baseDelay, random = Math.random, maxDelay = MAX_DELAY) {
  const ceiling = Math.max(baseDelay, Math.min(maxDelay, baseDelay * 2 ** attempt));
  return ceiling / 2 + (random() * ceiling) / 2;
}

/** Counts attempts: ``next()`` gives the next delay, or null once ``maxRetries`` are used. */
export class Backoff {
  constructor({ baseDelay, maxRetries, random = Math.random, maxDelay = MAX_DELAY }) {
    Object.assign(this, { baseDelay, maxRetries, random, maxDelay });
    this.attempt = 0;
  }

  get exhausted() {
    return this.attempt >= this.maxRetries;
  }

  next() {
    if (this.exhausted) return null;
    return backoffDelay(this.attempt++, this.baseDelay, this.random, this.maxDelay);
  }

  reset() {
    this.attempt = 0;
  }
}

/** Once the retries are used: how long to wait before trying the socket again, in seconds. */
export function probeDelay(random = Math.random, maxDelay = MAX_DELAY) {
  return maxDelay * (1 + random());
}
