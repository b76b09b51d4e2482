/**
 * `witness setup`: pointing clients at Witness, one target at a time, every change backed
 * up and undoable, never turning TLS verification off. The CLI and the control API (the
 * window's Setup buttons) both come through here.
 */
import { HostMatcher } from '../intercept/index.js';
import { applyPlan, SETUP_TARGETS, type SetupPlan, type SetupResult, type SetupTarget } from './changes.js';
import type { SetupContext } from './context.js';
import { planCopilotCli } from './copilot-cli.js';
import { jetbrainsSteps } from './jetbrains.js';
import { vscodeSearchedPlaces } from './locations.js';
import { planNodeCa } from './node-ca.js';
import { planTrust } from './trust.js';
import { planVsCode } from './vscode.js';

export async function planSetup(target: SetupTarget, ctx: SetupContext, interceptHosts: readonly string[]): Promise<SetupPlan> {
  const isCopilotHost = (h: string) => new HostMatcher(interceptHosts).matches(h);
  switch (target) {
    case 'vscode': {
      const { files, notes, found } = planVsCode(ctx, isCopilotHost);
      if (!found.length) notes.push(`No VS Code settings found (looked in ${vscodeSearchedPlaces(ctx.h).join(', ')}). Start VS Code once, then run this again.`);
      else notes.push(`Checked: ${found.map((f) => `${f.label} (${f.file})`).join('; ')}.`, 'Copilot must also trust the Witness CA: `witness setup trust` (VS Code reads the OS store).');
      return { target, files, commands: [], notes };
    }
    case 'copilot-cli':
      return { target, commands: [], ...planCopilotCli(ctx) };
    case 'node-ca': {
      const { files, notes } = planNodeCa(ctx);
      return { target, files, commands: [], notes };
    }
    case 'trust':
      return { target, ...(await planTrust(ctx)) };
    case 'jetbrains':
      return { target, files: [], commands: [], notes: jetbrainsSteps(ctx) };
  }
}

export async function runSetup(target: SetupTarget, ctx: SetupContext, interceptHosts: readonly string[], opts: { dryRun: boolean }): Promise<SetupResult> {
  return applyPlan(await planSetup(target, ctx, interceptHosts), ctx.h, opts);
}

export { undoTarget, latestBackup, unifiedDiff, SETUP_TARGETS, type SetupTarget, type SetupResult, type SetupPlan, type FileChange, type CommandStep } from './changes.js';
export { hostEnv, runProgram, type HostEnv, type RunResult } from './host.js';
export { rootCert, pemBlocks, fingerprints, isWitnessRoot, type RootCert, type SetupContext } from './context.js';
export { vscodeUserSettings, vscodeRemoteSettings, nssDbDir, shellRcFile, setupPaths, type SettingsFile } from './locations.js';
export { readVsCodeSettings, vscodeProblems } from './vscode.js';
export { nodeExtraSources, type NodeExtraSource } from './node-ca.js';
export { nssState, nssTrustsForTls, systemBundleState, parseCertutilList, type NssState } from './trust.js';
export { findBlock } from './shell-block.js';
export function isSetupTarget(s: string): s is SetupTarget {
  return (SETUP_TARGETS as readonly string[]).includes(s);
}
