/** Small React hooks shared by views and components (clocks, countdowns). */
import { useEffect, useState } from 'react';

/** The current time, refreshed every `ms` (for "running for" counters). */
export function useNow(ms: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

/** Seconds left until `expiresAt`, ticking once a second. */
export function useSecondsLeft(expiresAt: string): number {
  const now = useNow(1000);
  return Math.max(0, Math.ceil((Date.parse(expiresAt) - now) / 1000));
}
