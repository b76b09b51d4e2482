/** The model named in a legacy completion's path (`/v1/engines/{model}/completions`). */
export function engineModel(path: string): string | null {
  return /\/v1\/engines\/([^/]+)\/completions/.exec(path)?.[1] ?? null;
}
