/** What a fresh install does with no configuration (documented in docs/policy.md). */
import type { PolicyInput } from './schema.js';

export const DEFAULT_POLICY: PolicyInput = {
  version: 1,
  protectedPaths: ['**/.env*', '**/*.pem', '**/*.key', '**/id_rsa*', '**/id_ed25519*', '.github/workflows/**', '**/auth/**', '**/migrations/**', 'infra/**', '**/.ssh/**', '**/.npmrc', '**/.aws/**'],
  protectedCommands: [
    { id: 'rm-recursive-force', pattern: String.raw`\brm\s+(?:-[a-zA-Z]*(?:r[a-zA-Z]*f|f[a-zA-Z]*r)[a-zA-Z]*|(?:-[rR]|--recursive)\s+(?:-f|--force)|(?:-f|--force)\s+(?:-[rR]|--recursive))\b`, description: 'recursive forced delete' },
    { id: 'git-push-force', pattern: String.raw`\bgit\s+push\b[^\n;&|]*\s(?:-f\b|--force\b|--force-with-lease\b|\+\S)`, description: 'force push' },
    { id: 'pipe-to-shell', pattern: String.raw`\b(?:curl|wget|iwr|Invoke-WebRequest)\b[^\n;]*\|\s*(?:sudo\s+)?(?:sh|bash|zsh|python3?|node|iex|Invoke-Expression)\b`, description: 'download piped into a shell' },
    { id: 'chmod-777', pattern: String.raw`\bchmod\s+(?:-R\s+)?0?777\b`, description: 'world-writable permissions' },
    { id: 'kubectl-mutate', pattern: String.raw`\bkubectl\s+(?:[^\n;&|]*\s)?(?:delete|apply|replace|patch|scale|drain)\b`, description: 'changes a Kubernetes cluster' },
    { id: 'terraform-apply', pattern: String.raw`\bterraform\s+(?:[^\n;&|]*\s)?(?:apply|destroy)\b`, description: 'changes infrastructure' },
    { id: 'sql-drop', pattern: String.raw`\b(?:DROP\s+(?:TABLE|DATABASE|SCHEMA)|TRUNCATE\s+TABLE)\b`, description: 'destroys database objects' },
    { id: 'package-publish', pattern: String.raw`\b(?:npm|yarn|pnpm)\s+publish\b|\btwine\s+upload\b|\bcargo\s+publish\b`, description: 'publishes a package' },
    { id: 'ssh-dir-write', pattern: String.raw`(?:>>?|\btee\b|\bcp\b|\bmv\b|\bln\b)[^\n;&|]*(?:~|\$HOME|/home/[^/\s]+|/root)/\.ssh\b|authorized_keys`, description: 'writes to ~/.ssh' },
    { id: 'disk-destroy', pattern: String.raw`\bmkfs(?:\.\w+)?\b|\bdd\s+[^\n]*\bof=/dev/`, description: 'overwrites a disk' },
    { id: 'sudo', pattern: String.raw`(?:^|[;&|]\s*)sudo\b`, description: 'runs as root' },
  ],
};
