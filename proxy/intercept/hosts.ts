/**
 * Which hostnames Witness intercepts. Patterns are "host.example" (exactly that name) or
 * "*.example" (every name below example, any depth; not example itself), matched
 * case-insensitively, mirroring mockttp's URLPattern hostname semantics so that the
 * decision to decrypt and the decision to audit can never disagree.
 */
export class HostMatcher {
  private readonly exact = new Set<string>();
  private readonly suffixes: string[] = [];

  constructor(readonly patterns: readonly string[]) {
    for (const p of patterns) {
      const lower = p.toLowerCase();
      if (lower.startsWith('*.')) this.suffixes.push(lower.slice(1)); // ".example"
      else this.exact.add(lower);
    }
  }

  matches(hostname: string): boolean {
    const h = hostname.toLowerCase().replace(/\.$/, '');
    if (this.exact.has(h)) return true;
    return this.suffixes.some((s) => h.endsWith(s) && h.length > s.length);
  }
}

export function effectiveInterceptHosts(cfg: { hosts: readonly string[]; githubApi: boolean }): string[] {
  const hosts = [...new Set(cfg.hosts.map((h) => h.toLowerCase()))];
  if (cfg.githubApi && !hosts.includes('api.github.com')) hosts.push('api.github.com');
  return hosts;
}

/** The Copilot plan a host belongs to (api.<plan>.githubcopilot.com): used for policy and records. */
export function planForHost(hostname: string): 'individual' | 'business' | 'enterprise' | 'unknown' {
  const m = /\.(individual|business|enterprise)\.githubcopilot\.com$/i.exec(hostname);
  return m ? (m[1]!.toLowerCase() as 'individual' | 'business' | 'enterprise') : 'unknown';
}
