/**
 * JetBrains IDEs keep their proxy in an undocumented XML file rewritten by the running IDE,
 * so setup gives the exact steps with this machine's values instead of editing it.
 */
import type { SetupContext } from './context.js';
import { setupPaths } from './locations.js';

export function jetbrainsSteps(ctx: SetupContext): string[] {
  const pem = setupPaths(ctx.h.dataDir).caPem(0);
  return [
    'JetBrains IDEs (IntelliJ IDEA, PyCharm, GoLand, …) with the GitHub Copilot plugin:',
    `  1. Settings → Appearance & Behavior → System Settings → HTTP Proxy → Manual proxy configuration → HTTP,`,
    `     Host name: ${ctx.proxy.host}   Port number: ${ctx.proxy.port}   (or "Automatic proxy configuration URL": ${ctx.proxy.pacUrl})`,
    `  2. Settings → Tools → Server Certificates → "+" → ${pem}   (leave "Accept non-trusted certificates automatically" off)`,
    '  3. Restart the IDE, then check with `witness doctor` and `witness status` (a Copilot request appears).',
    '  The Copilot plugin also reads the OS trust store: `witness setup trust --system` covers it there.',
  ];
}
