/**
 * The policy document (version 1): one schema for the built-in defaults, the user file,
 * the IT-managed file and the central server's signed bundle.
 */
import { z } from 'zod';

const decision = z.enum(['allow', 'ask', 'deny']);

const CommandRuleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case id with dashes'),
    pattern: z.string().refine((p) => {
      try {
        new RegExp(p, 'i');
        return true;
      } catch {
        return false;
      }
    }, 'must be a valid regular expression'),
    description: z.string().default(''),
    decision: decision.default('ask'),
  })
  .strict();

const groupName = z.string().min(1);

/** A second reviewer on the central server for the holds one rule makes (policy `reviews`). */
const ReviewRuleSchema = z
  .object({
    group: groupName.describe('the reviewer group (the identity provider\'s groups claim), e.g. "security-reviewers"'),
    timeoutSeconds: z.number().int().min(10).max(86_400).default(600).describe('how long the hold waits for a reviewer'),
    onTimeout: z.enum(['deny', 'allow']).default('deny').describe('the decision when no reviewer decides in time, and when the review cannot be had (server down, device offline, signed out)'),
  })
  .strict();
const ruleId = z.string().regex(/^(protected-command|protected-path|tool|class|url):.+$/, 'a rule id as the approval trail shows it, e.g. "protected-command:curl-pipe-sh" or "protected-path:infra/**"');
const profileName = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be a profile name (lower-case letters, digits, "-", "_")');

const PolicyBaseSchema = z
  .object({
    version: z.literal(1).default(1),
    intercept: z
      .object({
        hosts: z.array(z.string().min(1)).optional().describe('hosts whose TLS Witness intercepts (overrides the config when a policy layer sets it; a change restarts the proxy on the same port)'),
        pause: z
          .object({
            allowed: z
              .boolean()
              .default(true)
              .describe('whether interception may be paused (tray, control API); while paused, Copilot connections pass unaudited and each is recorded as such'),
            maxMinutes: z.number().int().min(0).max(1440).default(60).describe('a pause ends by itself after this many minutes (0: only when someone resumes)'),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    plans: z
      .object({
        allowed: z.array(z.enum(['individual', 'business', 'enterprise', 'unknown'])).default(['individual', 'business', 'enterprise', 'unknown']),
        message: z.string().default('Witness: this Copilot plan is not allowed on this machine. Sign in with your company account.'),
      })
      .strict()
      .prefault({}),
    masking: z
      .object({
        requests: z.enum(['mask', 'block', 'allow']).default('mask'),
        responses: z.enum(['mask', 'allow']).default('mask'),
        blockTypes: z.array(z.string()).default([]).describe('secret types that make a prompt be refused instead of masked, e.g. ["private-key"]'),
        restoreInResponses: z
          .boolean()
          .default(true)
          .describe('placeholders Witness produced in a prompt are turned back into their values in the answer sent to the editor (never in records), so edits that quote them apply; off: the editor gets placeholders'),
      })
      .strict()
      .prefault({}),
    protectedPaths: z.array(z.string().min(1)).describe('globs, relative to the workspace; matched case-insensitively on Windows and macOS'),
    protectedPathEdits: decision.default('ask').describe('edits, creations, deletions and moves touching a protected path'),
    protectedCommands: z.array(CommandRuleSchema),
    tools: z.record(z.string(), decision).default({}).describe('per tool name; beats the classes below'),
    readOnlyTools: decision.default('allow'),
    unknownTools: decision.default('ask'),
    mcpTools: decision.default('ask'),
    urls: z
      .object({ allow: z.array(z.string()).default([]).describe('URL globs fetch tools may open without asking'), otherwise: decision.default('ask') })
      .strict()
      .prefault({}),
    inlineCompletionsInProtectedPaths: z.enum(['allow', 'deny', 'record']).default('record'),
    approvals: z
      .object({
        timeoutSeconds: z.number().int().min(5).max(3600).default(120),
        onTimeout: z.enum(['deny', 'allow']).default('deny'),
        approverGroups: z
          .array(groupName)
          .default([])
          .describe('an approver must be signed in and a member of one of these groups (the identity provider\'s groups claim); [] lets anyone decide'),
        selfApproval: z
          .enum(['allow', 'deny'])
          .default('allow')
          .describe('"deny": whoever made the request (the signed-in person, by subject) can never approve its held calls'),
      })
      .strict()
      .prefault({}),
    reviews: z
      .record(ruleId, ReviewRuleSchema)
      .default({})
      .describe('holds that need a second reviewer on the central server, by rule id (e.g. {"protected-command:curl-pipe-sh": {"group": "security-reviewers"}}): the hold is forwarded (masked), a reviewer of the group decides, the decision is signed by the server and bound to the exact arguments; the requester can never approve their own; a local approval is refused'),
    identity: z
      .object({
        requireSignIn: z
          .boolean()
          .default(false)
          .describe('while nobody is signed in (`witness login`), Copilot requests are answered with a refusal in their own protocol and nothing is sent upstream'),
      })
      .strict()
      .prefault({}),
    audit: z
      .object({
        onStoreFailure: z
          .enum(['pass', 'block'])
          .default('pass')
          .describe('while audit records cannot be written (disk full, I/O error): "pass" lets Copilot work unrecorded (loudly: status, window, tray, events); "block" answers Copilot requests with a readable refusal until records can be written again'),
      })
      .strict()
      .prefault({}),
    desktop: z
      .object({
        startAtLogin: z
          .enum(['user', 'always', 'never'])
          .default('user')
          .describe('start the desktop app at login: "user" lets each user choose (on unless they turn it off); "always" or "never", set by IT, decides and locks it'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/**
 * A profile: a partial policy document laid over the layers when the signed-in person's
 * groups select it (config identity.groupProfiles). Kept as written (no defaults filled
 * in), so it changes only the keys it names; checked key by key like a layer file.
 */
const ProfileSchema = z.record(z.string(), z.unknown()).superRefine((doc, ctx) => {
  // Machine-wide settings (interception, the desktop shell, sign-in itself) are not per person.
  const r = PolicyBaseSchema.omit({ version: true, intercept: true, desktop: true, identity: true }).partial().strict().safeParse(doc);
  if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ ...issue, path: issue.path } as Parameters<typeof ctx.addIssue>[0]);
});

export const PolicySchema = PolicyBaseSchema.extend({
  profiles: z
    .record(profileName, ProfileSchema)
    .default({})
    .describe('policy profiles by name, each a partial policy (e.g. {"contractor": {"protectedPaths": [...]}}), applied over the layers when the signed-in person\'s groups select them (config identity.groupProfiles)'),
}).strict();

export type Policy = z.output<typeof PolicySchema>;
export type PolicyInput = z.input<typeof PolicySchema>;
export type Decision = z.infer<typeof decision>;
export type ReviewRule = z.output<typeof ReviewRuleSchema>;
