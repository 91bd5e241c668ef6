/** Sliding-window limit per key (user id): at most `limit` events per `windowMs`. */
export class RateLimiter {
  private readonly events = new Map<string, number[]>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records an event; returns 0 if allowed, else the milliseconds until the next one is. */
  take(key: string): number {
    const t = this.now();
    const recent = (this.events.get(key) ?? []).filter((x) => t - x < this.windowMs);
    if (recent.length >= this.limit) {
      this.events.set(key, recent);
      return recent[0]! + this.windowMs - t;
    }
    recent.push(t);
    this.events.set(key, recent);
    if (this.events.size > 10_000) for (const [k, v] of this.events) if (v.every((x) => t - x >= this.windowMs)) this.events.delete(k);
    return 0;
  }
}

export function retryMessage(ms: number): string {
  const s = Math.max(1, Math.ceil(ms / 1000));
  return `You're asking quickly — please wait ${s} second${s === 1 ? '' : 's'} before the next question.`;
}
