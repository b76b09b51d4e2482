/**
 * Generates test/fixtures/secrets/own-corpus.jsonl: our own labelled snippets (same format
 * as shared/fixtures/secrets), built from templates with random fake values and a fixed
 * seed. It covers providers and contexts the shared corpus does not, and hard negatives.
 * A second file, own-prose-corpus.jsonl, holds secrets named in prose and chat and under
 * unusual key names, with hard negatives written like them (its own seed, so the first file
 * does not change). Value shapes follow the providers' public format docs.
 * Run `npx tsx scripts/make-own-corpus.ts` to regenerate (the output is committed).
 */
import { writeFileSync } from 'node:fs';

let seed = 20261121;
const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
const chars = (alphabet: string, n: number) => Array.from({ length: n }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
const AN = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HEX = '0123456789abcdef';
const B64 = AN + '+/';

type Gen = () => { before: string; secret: string; after: string };
const P = (type: string, gen: Gen) => ({ type, gen });

const positives = [
  P('github_pat_classic', () => ({ before: 'git clone https://x-access-token:', secret: 'ghp_' + chars(AN, 36), after: '@github.com/acme/api.git' })),
  P('github_oauth_token', () => ({ before: 'GH_TOKEN=', secret: 'gho_' + chars(AN, 36), after: ' gh pr list' })),
  P('gitlab_pat', () => ({ before: 'variables:\n  GITLAB_TOKEN: "', secret: 'glpat-' + chars(AN + '_-', 20), after: '"\n' })),
  P('gitlab_deploy_token', () => ({ before: 'echo "', secret: 'gldt-' + chars(AN, 20), after: '" | docker login registry.gitlab.com --password-stdin' })),
  P('huggingface_token', () => ({ before: 'from huggingface_hub import login\nlogin(token="', secret: 'hf_' + chars(AN, 34), after: '")' })),
  P('groq_api_key', () => ({ before: 'client = Groq(api_key="', secret: 'gsk_' + chars(AN, 52), after: '")' })),
  P('openai_api_key', () => ({ before: 'OPENAI_API_KEY=', secret: 'sk-proj-' + chars(AN + '_-', 74) + 'T3BlbkFJ' + chars(AN + '_-', 74), after: '\n' })),
  P('anthropic_api_key', () => ({ before: "const anthropic = new Anthropic({ apiKey: '", secret: 'sk-ant-api03-' + chars(AN + '_-', 93) + 'AA', after: "' });" })),
  P('stripe_secret_key', () => ({ before: 'Stripe.api_key = "', secret: 'sk_live_' + chars(AN, 99), after: '"' })),
  P('slack_bot_token', () => ({ before: 'SLACK_BOT_TOKEN=', secret: `xoxb-${chars('0123456789', 12)}-${chars('0123456789', 13)}-${chars(AN, 24)}`, after: '\n' })),
  P('slack_webhook_url', () => ({ before: 'curl -X POST -d @msg.json https://hooks.slack.com/services/', secret: `T${chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 8)}/B${chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 10)}/${chars(AN, 24)}`, after: '' })),
  P('discord_webhook', () => ({ before: 'WEBHOOK = "https://discord.com/api/webhooks/1234567890123456789/', secret: chars(AN + '_-', 68), after: '"' })),
  P('npm_token', () => ({ before: '//registry.npmjs.org/:_authToken=', secret: 'npm_' + chars(AN, 36), after: '\n' })),
  P('docker_hub_pat', () => ({ before: 'docker login -u ci -p ', secret: 'dckr_pat_' + chars(AN + '_-', 27), after: '' })),
  P('aws_access_key_id', () => ({ before: '[default]\naws_access_key_id = ', secret: 'AKIA' + chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16), after: '\nregion = eu-west-1' })),
  P('aws_secret_access_key', () => ({ before: '[default]\naws_secret_access_key = ', secret: chars(B64, 40), after: '\n' })),
  P('jwt', () => ({ before: 'Authorization: Bearer ', secret: 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJ' + chars(AN + '_-', 120) + '.' + chars(AN + '_-', 86), after: '\nAccept: application/json' })),
  P('private_key', () => ({ before: 'key.pem:\n', secret: '-----BEGIN EC PRIVATE KEY-----\n' + chars(B64, 64) + '\n' + chars(B64, 56) + '\n-----END EC PRIVATE KEY-----', after: '\n' })),
  P('postgres_url_password', () => ({ before: 'DATABASE_URL=postgres://app:', secret: chars(AN + '!*-', 22), after: `@db.internal:5432/app` })),
  P('mongodb_url_password', () => ({ before: 'MONGO_URI="mongodb+srv://svc:', secret: chars(AN, 24), after: '@cluster0.abcd.mongodb.net/prod"' })),
  P('generic_password', () => ({ before: 'spring.datasource.password=', secret: chars(AN + '#%&', 18), after: '\nspring.datasource.username=app' })),
  P('generic_secret', () => ({ before: 'client_secret: ', secret: chars(AN, 40), after: '\nclient_id: web' })),
  P('generic_api_key', () => ({ before: 'curl "https://api.example.net/v2/items?api_key=', secret: chars(HEX, 32), after: '&limit=10"' })),
  P('sendgrid_api_key', () => ({ before: 'SENDGRID_API_KEY: ', secret: `SG.${chars(AN + '_-', 22)}.${chars(AN + '_-', 43)}`, after: '\n' })),
  P('digitalocean_token', () => ({ before: 'doctl auth init -t ', secret: 'dop_v1_' + chars(HEX, 64), after: '' })),
  P('vault_token', () => ({ before: 'export VAULT_TOKEN=', secret: 'hvs.' + chars(AN + '_-', 90), after: '\nvault kv get secret/app' })),
  P('new_relic_key', () => ({ before: 'NEW_RELIC_API_KEY=', secret: 'NRAK-' + chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 27), after: '\n' })),
  P('linear_api_key', () => ({ before: 'headers: { Authorization: "', secret: 'lin_api_' + chars(AN, 40), after: '" }' })),
  P('pypi_token', () => ({ before: '[pypi]\nusername = __token__\npassword = ', secret: 'pypi-AgEIcHlwaS5vcmc' + chars(AN + '_-', 120), after: '\n' })),
  P('basic_auth_header', () => {
    const cred = Buffer.from(`deploy:${chars(AN, 16)}`).toString('base64');
    return { before: "fetch(url, { headers: { Authorization: 'Basic ", secret: cred, after: "' } })" };
  }),
];

const negatives: Array<{ category: string; gen: () => string }> = [
  { category: 'git_sha', gen: () => `Reverted ${chars(HEX, 40)} and cherry-picked ${chars(HEX, 7)}.` },
  { category: 'uuid', gen: () => `request ${chars(HEX, 8)}-${chars(HEX, 4)}-4${chars(HEX, 3)}-a${chars(HEX, 3)}-${chars(HEX, 12)} failed with 502` },
  { category: 'hash_digest', gen: () => `sha256sum: ${chars(HEX, 64)}  dist/app.tar.gz` },
  { category: 'lockfile_integrity', gen: () => `"integrity": "sha512-${chars(B64, 86)}=="` },
  { category: 'placeholder', gen: () => pick(['OPENAI_API_KEY=sk-...', 'GITHUB_TOKEN=<your-token>', 'password: ${DB_PASSWORD}', 'api_key = os.environ["API_KEY"]', 'AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE', 'token: "REPLACE_ME"']) },
  { category: 'public_key_cert', gen: () => `-----BEGIN PUBLIC KEY-----\n${chars(B64, 64)}\n${chars(B64, 24)}==\n-----END PUBLIC KEY-----` },
  { category: 'base64_media', gen: () => `<img src="data:image/png;base64,iVBORw0KGgo${chars(B64, 200)}">` },
  { category: 'chat_no_secret', gen: () => pick(['How do I rotate the API key without downtime?', 'The token expires after 3600 seconds; refresh it with the refresh flow.', 'Where should I store the password hash, in users or credentials?']) },
  { category: 'config_no_secret', gen: () => `timeout: 30\nretries: 3\nendpoint: https://api.internal/v1\nkey_id: ${chars(HEX, 16)}` },
  { category: 'already_redacted', gen: () => `Authorization: Bearer [MASKED:jwt:${chars(HEX, 4)}]\npassword=********` },
  { category: 'minified_js', gen: () => `!function(){var a="${chars(AN, 20)}",b=${Math.floor(rnd() * 1e9)};return a.split("").map(function(c){return c.charCodeAt(0)^b})}();` },
  { category: 'long_words', gen: () => 'internationalization localization AbstractSingletonProxyFactoryBean pneumonoultramicroscopicsilicovolcanoconiosis' },
];

const lines: string[] = [];
let n = 0;
for (let round = 0; round < 8; round++) {
  for (const p of positives) {
    const { before, secret, after } = p.gen();
    const text = before + secret + after;
    lines.push(JSON.stringify({ id: `o${String(++n).padStart(4, '0')}`, text, secrets: [{ start: before.length, end: before.length + secret.length, type: p.type }], category: 'positive' }));
  }
  for (const neg of negatives) {
    for (let k = 0; k < 2; k++) lines.push(JSON.stringify({ id: `o${String(++n).padStart(4, '0')}`, text: neg.gen(), secrets: [], category: neg.category }));
  }
}
writeFileSync(new URL('../test/fixtures/secrets/own-corpus.jsonl', import.meta.url), lines.join('\n') + '\n');
console.log(`wrote ${lines.length} snippets`);

// Secrets named in prose, chat and unusual keys; hard negatives that read the same way.
seed = 20261202;
const PUNCT = AN + '#!%&*@^';
const ENVS = ['staging', 'prod', 'dev', 'qa'] as const;
const akia = () => 'AKIA' + chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16);
const uuid = () => `${chars(HEX, 8)}-${chars(HEX, 4)}-4${chars(HEX, 3)}-a${chars(HEX, 3)}-${chars(HEX, 12)}`;
type Part = string | { secret: string; type: string };
const prosePositives: Array<() => Part[]> = [
  () => [`Hi, the ${pick(ENVS)} DB password is `, { secret: chars(PUNCT, 15) + chars(AN, 1), type: 'prose_password' }, ', can you update the config?'],
  () => ['My password is ', { secret: chars(AN, 9) + chars('#!%&', 1) + chars(AN, 4), type: 'prose_password' }, '. Please keep it out of the logs.'],
  () => [`Create the OAuth app with client id 0oa${chars(AN, 17)} and secret `, { secret: chars(AN + '_-', 40), type: 'prose_client_secret' }, ' then restart the worker.'],
  () => ['Use token ', { secret: chars(AN, 32), type: 'prose_token' }, ` for ${pick(ENVS)}, it expires on Friday.`],
  () => ['here are the creds: key id ', { secret: akia(), type: 'aws_access_key_id' }, ' secret key ', { secret: chars(B64, 40), type: 'aws_secret_access_key' }],
  () => ['access key ', { secret: akia(), type: 'aws_access_key_id' }, ', secret access key ', { secret: chars(B64, 40), type: 'aws_secret_access_key' }, ' (region eu-west-1)'],
  () => [`App ID: ${chars('0123456789', 10)} / app secret: `, { secret: chars(HEX, 32), type: 'prose_app_secret' }],
  () => ['The webhook secret is "', { secret: 'whk_' + chars(AN, 28), type: 'prose_webhook_secret' }, '", store it in the vault.'],
  () => ['smtp:\n  host: mail.internal\n  passcode: ', { secret: chars(AN, 18), type: 'yaml_passcode' }, '\n  port: 587\n'],
  () => ['db:\n  user: app\n  pw: ', { secret: chars(PUNCT, 16), type: 'yaml_pw' }, '\n'],
  () => ['{"clientSecretValue": "', { secret: chars(AN + '~._-', 34), type: 'json_secret_value' }, '", "clientId": "web"}'],
  () => ['{"creds": "', { secret: chars(AN, 24), type: 'json_creds' }, '"}'],
];
const proseNegatives: Array<{ category: string; gen: () => string }> = [
  { category: 'uuid', gen: () => `the request id is ${uuid()}, the token is expired` },
  { category: 'git_sha', gen: () => `the commit is ${chars(HEX, 40)}; the secret is stored in the vault` },
  { category: 'hash_digest', gen: () => `the password hash is ${chars(HEX, 64)} (sha256)` },
  { category: 'base64_media', gen: () => `the secret image is <img src="data:image/png;base64,iVBORw0KGgo${chars(B64, 120)}">` },
  { category: 'placeholder', gen: () => pick(['the password is <your-password>', 'use token ${TOKEN} for staging', 'the api key is YOUR_API_KEY', 'my password is ********', 'the secret is [MASKED:generic-secret:1a2b]', 'and secret $CLIENT_SECRET for prod']) },
  { category: 'chat_no_secret', gen: () => pick(['the token is base64url-encoded and expires after 3600 seconds', 'the secret is rotated every 90 days by the platform team', 'use token-based auth for staging', 'and secret management is handled by vault-agent', 'my password is too short, what is the minimum length?']) },
  { category: 'code_no_secret', gen: () => pick(['key = createFiber(tag, pendingProps, key, mode);', 'const token = getToken();\nif (!token) return;', 'store(credential: Credential): Promise<void>;', 'updated[key] = copyWithSetImpl(obj[key], path, index + 1, value);']) },
];

const prose: string[] = [];
let m = 0;
for (let round = 0; round < 8; round++) {
  for (const gen of prosePositives) {
    let text = '';
    const secrets: Array<{ start: number; end: number; type: string }> = [];
    for (const part of gen()) {
      if (typeof part === 'string') text += part;
      else {
        secrets.push({ start: text.length, end: text.length + part.secret.length, type: part.type });
        text += part.secret;
      }
    }
    prose.push(JSON.stringify({ id: `p${String(++m).padStart(4, '0')}`, text, secrets, category: 'positive' }));
  }
  for (const neg of proseNegatives) prose.push(JSON.stringify({ id: `p${String(++m).padStart(4, '0')}`, text: neg.gen(), secrets: [], category: neg.category }));
}
writeFileSync(new URL('../test/fixtures/secrets/own-prose-corpus.jsonl', import.meta.url), prose.join('\n') + '\n');
console.log(`wrote ${prose.length} prose snippets`);
