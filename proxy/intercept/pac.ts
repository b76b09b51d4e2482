/**
 * The proxy auto-config file served at /proxy.pac: intercepted hosts go to Witness, everything
 * else DIRECT, so pointing an OS or browser at the PAC limits Witness to Copilot traffic.
 */
export function renderPac(patterns: readonly string[], proxyHost: string, proxyPort: number): string {
  const hostForPac = proxyHost.includes(':') ? `[${proxyHost}]` : proxyHost;
  const checks = patterns.map((p) => {
    const lower = p.toLowerCase();
    return lower.startsWith('*.')
      ? `dnsDomainIs(h, ${JSON.stringify(lower.slice(1))})`
      : `h === ${JSON.stringify(lower)}`;
  });
  return [
    '// Witness: send GitHub Copilot hosts through the local audit proxy; everything else goes DIRECT.',
    'function FindProxyForURL(url, host) {',
    '  var h = host.toLowerCase();',
    `  if (${checks.join(' ||\n      ')}) {`,
    `    return "PROXY ${hostForPac}:${proxyPort}";`,
    '  }',
    '  return "DIRECT";',
    '}',
    '',
  ].join('\n');
}
