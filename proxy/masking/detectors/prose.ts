/**
 * Secrets named in prose and chat rather than assigned: "the password is …", "client id …
 * and secret …", "use token … for staging", "key id AKIA… secret key …". The name must be
 * introduced by a determiner or connector (my, the, and, use …), or be a phrase that only
 * names secrets (secret key, client secret); the value must pass the entropy and shape
 * checks, so sentences about secrets ("the token is expired", "the secret is base64-encoded")
 * stay as they are.
 */
import type { Detector } from '../detector.js';
import { looksLikeRealSecret } from '../entropy.js';
import { contextual, END } from './build.js';

const CONNECT = String.raw`\b(?:my|our|the|this|that|its|his|her|their|your|here'?s|here is|use|using|and|with|plus|new|same)[ \t]{1,16}(?:[\w\-]{1,64}[ \t]{1,16}){0,3}`;
const NAMED = String.raw`(?:password|passphrase|passcode|pwd|pw|secret|token|api[ _\-]?key)s?`;
const STRONG = String.raw`(?:secret[ \t]{1,16}(?:access[ \t]{1,16})?key|(?:client|app|api|consumer|shared|signing|webhook)[ \t]{1,16}secret|access[ \t]{1,16}key[ \t]{1,16}secret)`;
/**
 * A quoted value, or a bare one that ends before white space, closing punctuation or the end
 * of the text. Trailing punctuation counts only when white space follows it: at the end of
 * what has arrived so far, "…Z," may still continue, so the match reaches the end (held).
 */
const VALUE =
  String.raw`(?:"(?<s1>[^"\s]{8,200})(?:"|${END})|'(?<s2>[^'\s]{8,200})(?:'|${END})|` +
  '`(?<s3>[^`\\s]{8,200})(?:`|' +
  END +
  ')' +
  String.raw`|(?<s4>[^\s"'<>(\[{` +
  '`' +
  String.raw`][^\s"'<>` +
  '`' +
  String.raw`]{7,199}?)(?=[.,;:!?)\]}]*\s|${END}))`;

/** Lower-case words joined by dashes or underscores ("base64-encoded", "read_only"): a description, not a secret. */
const WORDS = /^[a-z][a-z0-9]*(?:[-_][a-z][a-z0-9]*)+$/;

export const proseDetectors: Detector[] = [
  contextual({
    id: 'generic-secret',
    description: 'A secret named in prose or chat: "the password is …", "and secret …", "use token … for staging", "secret key …"',
    pattern: new RegExp(String.raw`(?:${STRONG}|${NAMED}(?<=${CONNECT}${NAMED}))(?:[ \t]{1,16}(?:is|was|=))?[ \t]{0,16}[:=]?[ \t]{1,16}${VALUE}`, 'dgi'),
    keywords: ['password', 'passphrase', 'passcode', 'pwd', 'pw', 'secret', 'token', 'api key', 'api_key', 'api-key', 'apikey'],
    priority: 14,
    validate: (s) => looksLikeRealSecret(s, { minLength: 8 }) && !WORDS.test(s),
  }),
];
