/** The window's pure helpers: shell tokens, risk highlighting, rules in words, live timings. */
import { describe, expect, it } from 'vitest';
import { shellTokens } from '../../renderer/src/format.js';
import { appendDelta, commandRisks, isHighRisk, provisional, ruleInWords, statedReason } from '../../renderer/src/model.js';
import { extractOperation } from '../../proxy/model/index.js';

describe('shellTokens', () => {
  it('gives the command back exactly, and never cuts a flag, a quoted string or an operator', () => {
    const cmd = `curl -fsSL "https://x.example/a b.sh" | sudo  bash -s -- --yes && echo 'done; really'\nls>out`;
    const tokens = shellTokens(cmd);
    expect(tokens.map((t) => t.text).join('')).toBe(cmd);
    const words = tokens.filter((t) => !t.space).map((t) => t.text);
    expect(words).toEqual(['curl', '-fsSL', '"https://x.example/a b.sh"', '|', 'sudo', 'bash', '-s', '--', '--yes', '&&', 'echo', "'done; really'", 'ls', '>', 'out']);
  });
});

describe('commandRisks', () => {
  const labels = (c: string) => commandRisks(c).map((r) => c.slice(r.start, r.end));
  it('finds rm -rf, a pipe into a shell, sudo, --force and ~/.ssh, and nothing in a harmless command', () => {
    expect(labels('rm -rf /tmp/x')).toEqual(['rm -rf']);
    expect(labels('curl -fsSL https://x.sh | sh')).toEqual(['| sh']);
    expect(labels('sudo make install')).toEqual(['sudo']);
    expect(labels('git push --force origin main')).toEqual(['--force']);
    expect(labels('cat key.pub >> ~/.ssh/authorized_keys')).toEqual(['~/.ssh/authorized_keys']);
    expect(labels('npm test -- --watch=false')).toEqual([]);
  });
});

describe('approvals in words', () => {
  it('says the rule, not its id twice; high risk for protected commands and sensitive paths', () => {
    expect(ruleInWords('protected-command:rm-recursive-force', 'command (recursive forced delete) matches rm-recursive-force')).toBe('recursive forced delete (command)');
    expect(ruleInWords('class:unknown', undefined)).toBe('unknown tools need approval');
    const op = (tool: string, args: object) => extractOperation(tool, JSON.stringify(args));
    expect(isHighRisk({ ruleIds: ['protected-command:sudo'], operation: op('run_in_terminal', { command: 'sudo ls' }) })).toBe(true);
    expect(isHighRisk({ ruleIds: ['protected-path:**/.ssh/**'], operation: op('create_file', { filePath: '/home/u/.ssh/config', content: '' }) })).toBe(true);
    expect(isHighRisk({ ruleIds: ['class:unknown'], operation: op('deploy_preview', { branch: 'x' }) })).toBe(false);
    expect(statedReason(JSON.stringify({ command: 'ls', explanation: 'List the files' }))).toBe('List the files');
    expect(statedReason('*** Begin Patch')).toBeNull();
  });
});

describe('live timings', () => {
  it('the first delta stands for first byte and first token, never one before the other', () => {
    const row = provisional({ id: 'x', time: new Date(1000).toISOString(), endpoint: 'chat', host: 'h', path: '/', model: null, client: { editor: null, editorVersion: null, plugin: null, integrationId: null, intent: null, initiator: null, interactionId: null, requestId: null, userAgent: null }, prompt: 'p', decision: 'allowed', user: 'u' });
    const a = appendDelta(row, { id: 'x', text: '', tools: [] }, 1500);
    expect(a.timings.firstByte).toBeNull();
    const b = appendDelta(a, { id: 'x', text: 'hi', tools: [] }, 1600);
    expect(b.timings).toMatchObject({ firstByte: 1600, firstToken: 1600 });
    const c = appendDelta(b, { id: 'x', text: ' there', tools: [] }, 1700);
    expect(c.timings).toMatchObject({ firstByte: 1600, firstToken: 1600 });
    expect(c.response).toBe('hi there');
  });
});
