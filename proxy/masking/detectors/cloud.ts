/** Cloud providers: AWS, Google Cloud, Azure. Formats from each provider's documentation. */
import type { Detector } from '../detector.js';
import { looksLikeRealSecret } from '../entropy.js';
import { contextual, token } from './build.js';

export const cloudDetectors: Detector[] = [
  token({
    id: 'aws-access-key-id',
    description: 'AWS access key id (AKIA… long-term, ASIA… temporary)',
    prefixes: ['AKIA', 'ASIA', 'ABIA', 'ACCA', 'A3T'],
    body: '[A-Z0-9]{16,17}',
    chars: 'A-Za-z0-9',
    priority: 60,
  }),
  contextual({
    id: 'aws-secret-access-key',
    description: 'AWS secret access key (40 base64 characters next to its key name)',
    pattern:
      /(?:secret[_.\-]?(?:access)?[_.\-]?key|secretAccessKey|aws[_.\-]?secret)[A-Za-z_]{0,24}["']?\s{0,16}(?:[:=]|=>|,)\s{0,16}["']?(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/dgi,
    keywords: ['secret'],
    priority: 55,
    validate: (s) => !/EXAMPLE/.test(s) && looksLikeRealSecret(s),
  }),
  token({
    id: 'aws-session-token',
    description: 'AWS STS session token',
    prefixes: ['FwoGZXIvYXdz', 'IQoJb3JpZ2luX2Vj'],
    body: '[A-Za-z0-9/+=]{40,2000}',
    chars: 'A-Za-z0-9/+=',
    leftChars: 'A-Za-z0-9/+',
    priority: 60,
  }),
  token({
    id: 'google-api-key',
    description: 'Google API key',
    prefixes: ['AIza'],
    body: '[A-Za-z0-9_\\-]{35}',
  }),
  token({
    id: 'google-oauth-client-secret',
    description: 'Google OAuth client secret',
    prefixes: ['GOCSPX-'],
    body: '[A-Za-z0-9_\\-]{20,40}',
  }),
  token({
    id: 'google-oauth-token',
    description: 'Google OAuth access token',
    prefixes: ['ya29.'],
    body: '[A-Za-z0-9_\\-.]{20,2000}',
    chars: 'A-Za-z0-9_\\-.',
  }),
  // Azure AD client secrets: 3 chars, a digit and "Q~", then 31-34 chars of [A-Za-z0-9_~.-].
  {
    id: 'azure-ad-client-secret',
    description: 'Azure AD (Entra ID) client secret',
    pattern: /Q~(?<=(?<![A-Za-z0-9_~.\-])(?<from>[A-Za-z0-9_~.\-]{3}\d)Q~)[A-Za-z0-9_~.\-]{31,34}(?![A-Za-z0-9_~.\-])/dg,
    keywords: ['q~'],
    tokenChars: /[A-Za-z0-9_~.\-]/,
    tail: /(?<![A-Za-z0-9_~.\-])[A-Za-z0-9_~.\-]{3}\d(?:Q(?:~[A-Za-z0-9_~.\-]{0,34})?)?$/,
    priority: 55,
  },
  contextual({
    id: 'azure-storage-key',
    description: 'Azure storage account key / shared access key in a connection string (also with JSON-escaped slashes)',
    pattern: /(?:AccountKey|SharedAccessKey|SharedSecretValue)\s{0,64}=\s{0,64}(?<secret>(?:[A-Za-z0-9+/]|\\\/){20,120}={0,2})/dgi,
    keywords: ['accountkey', 'sharedaccesskey', 'sharedsecretvalue'],
    tail: /(?:AccountKey|SharedAccessKey|SharedSecretValue)\s*=?\s*(?:[A-Za-z0-9+/=]|\\\/?)*$/i,
    priority: 55,
    validate: (s) => s.length >= 20 && !/EXAMPLE|XXXX|\.\.\./.test(s),
  }),
  contextual({
    id: 'aws-secret-access-key',
    description: 'AWS secret access key right after its access key id (e.g. new BasicAWSCredentials("AKIA…", "…"))',
    pattern: /(?:AKIA|ASIA)[A-Z0-9]{16}["']?\s{0,12}[,:;]?\s{0,12}\n?\s{0,12}["']?(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/dg,
    keywords: ['akia', 'asia'],
    priority: 55,
    validate: (s) => !/EXAMPLE/.test(s) && looksLikeRealSecret(s),
  }),
  token({
    id: 'google-oauth-refresh-token',
    description: 'Google OAuth refresh token',
    prefixes: ['1//0'],
    body: '[A-Za-z0-9_\\-]{40,400}',
    chars: 'A-Za-z0-9_\\-/',
    priority: 55,
  }),
  contextual({
    id: 'azure-sas-signature',
    description: 'Azure SAS token signature (sig=)',
    pattern: /[?&;]sig=(?<secret>[A-Za-z0-9%+/]{20,200}(?:%3D|=){0,2})/dg,
    keywords: ['sig='],
    priority: 55,
  }),
];
