/** The views' filters live in the URL's query: one key set or cleared, the rest kept. */
export function withParam(params: URLSearchParams, key: string, value: string): URLSearchParams {
  const p = new URLSearchParams(params);
  if (value) p.set(key, value);
  else p.delete(key);
  return p;
}
