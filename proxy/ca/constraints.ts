/**
 * From intercepted host patterns to X.509 name-constraint subtrees. A dNSName subtree
 * "example.com" permits example.com and every name below it (RFC 5280 §4.2.1.10), so
 * "*.example.com" and "example.com" both become the subtree "example.com".
 */
export function permittedSubtrees(hostPatterns: readonly string[]): string[] {
  const bases = new Set(hostPatterns.map((h) => h.toLowerCase().replace(/^\*\./, '')));
  const sorted = [...bases].sort((a, b) => a.split('.').length - b.split('.').length || a.localeCompare(b));
  const kept: string[] = [];
  for (const base of sorted) {
    if (!kept.some((k) => base === k || base.endsWith('.' + k))) kept.push(base);
  }
  return kept.sort();
}

/** True when every name the patterns can match lies inside the given subtrees. */
export function subtreesCover(subtrees: readonly string[], hostPatterns: readonly string[]): boolean {
  return permittedSubtrees(hostPatterns).every((need) => subtrees.some((have) => need === have || need.endsWith('.' + have)));
}
