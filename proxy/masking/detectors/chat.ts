/** Chat and collaboration: Slack tokens and webhooks, Discord, Microsoft Teams webhooks. */
import type { Detector } from '../detector.js';
import { contextual, token } from './build.js';

export const chatDetectors: Detector[] = [
  token({ id: 'slack-bot-token', description: 'Slack bot token', prefixes: ['xoxb-'], body: '[0-9]{8,14}-[0-9]{8,14}-[A-Za-z0-9]{20,40}', priority: 60 }),
  token({ id: 'slack-user-token', description: 'Slack user token', prefixes: ['xoxp-'], body: '[0-9]{8,14}-[0-9]{8,14}-[0-9]{8,14}-[a-f0-9]{20,64}', priority: 60 }),
  token({ id: 'slack-app-token', description: 'Slack app-level token', prefixes: ['xapp-'], body: '[0-9]-[A-Z0-9]{8,14}-[0-9]{8,16}-[a-f0-9]{40,80}', priority: 60 }),
  token({ id: 'slack-token', description: 'Other Slack tokens (legacy, refresh, configuration)', prefixes: ['xoxa-', 'xoxr-', 'xoxs-', 'xoxe.xoxp-', 'xoxe-'], body: '[A-Za-z0-9\\-]{20,200}', priority: 55 }),
  contextual({
    id: 'slack-webhook',
    description: 'Slack incoming webhook URL',
    pattern: /hooks\.slack\.com\/(?:services|workflows|triggers)\/(?<secret>[A-Za-z0-9]{8,12}\/[A-Za-z0-9]{8,14}\/[A-Za-z0-9]{20,40})/dg,
    keywords: ['hooks.slack.com'],
    tail: /hooks\.slack\.com\/[A-Za-z0-9/]*$/,
    priority: 60,
    validate: (s) => !/XXXXXX|0{8}/.test(s),
  }),
  contextual({
    id: 'discord-webhook',
    description: 'Discord webhook URL',
    pattern: /discord(?:app)?\.com\/api\/webhooks\/[0-9]{17,20}\/(?<secret>[A-Za-z0-9_\-]{60,80})/dg,
    keywords: ['/api/webhooks/'],
    tail: /discord(?:app)?\.com\/api\/webhooks\/[0-9]*\/?[A-Za-z0-9_\-]*$/,
    priority: 60,
    validate: () => true,
  }),
  contextual({
    id: 'teams-webhook',
    description: 'Microsoft Teams incoming webhook URL',
    pattern: /\.webhook\.office\.com\/webhookb2\/(?<secret>[A-Za-z0-9@\-]{30,100}\/IncomingWebhook\/[A-Za-z0-9]{20,40}\/[A-Za-z0-9\-]{30,40})/dg,
    keywords: ['webhookb2'],
    tail: /webhook\.office\.com\/webhookb2\/[A-Za-z0-9@\-/]*$/,
    priority: 60,
    validate: () => true,
  }),
  token({ id: 'discord-bot-token', description: 'Discord bot token', prefixes: ['MT', 'Nz', 'OD'], body: '[A-Za-z0-9_\\-]{22,24}\\.[A-Za-z0-9_\\-]{6}\\.[A-Za-z0-9_\\-]{27,38}', chars: 'A-Za-z0-9_\\-.', priority: 45 }),
];
