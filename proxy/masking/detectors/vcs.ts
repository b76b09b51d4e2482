/** Source hosting: GitHub and GitLab tokens. */
import type { Detector } from '../detector.js';
import { token } from './build.js';

export const vcsDetectors: Detector[] = [
  token({ id: 'github-pat', description: 'GitHub personal access token (classic)', prefixes: ['ghp_'], body: '[A-Za-z0-9]{36,40}', priority: 60 }),
  token({ id: 'github-oauth', description: 'GitHub OAuth access token', prefixes: ['gho_'], body: '[A-Za-z0-9]{36,40}', priority: 60 }),
  token({ id: 'github-user-token', description: 'GitHub user-to-server token', prefixes: ['ghu_'], body: '[A-Za-z0-9]{36,40}', priority: 60 }),
  token({ id: 'github-app-token', description: 'GitHub App installation token', prefixes: ['ghs_'], body: '[A-Za-z0-9]{36,40}', priority: 60 }),
  token({ id: 'github-refresh-token', description: 'GitHub refresh token', prefixes: ['ghr_'], body: '[A-Za-z0-9]{36,80}', priority: 60 }),
  token({ id: 'github-fine-grained-pat', description: 'GitHub fine-grained personal access token', prefixes: ['github_pat_'], body: '[A-Za-z0-9_]{60,100}', priority: 60 }),
  token({ id: 'gitlab-pat', description: 'GitLab personal/project/group access token', prefixes: ['glpat-'], body: '[A-Za-z0-9_\\-.]{20,60}', priority: 60 }),
  token({ id: 'gitlab-runner-token', description: 'GitLab runner authentication token', prefixes: ['glrt-', 'GR1348941'], body: '[A-Za-z0-9_\\-.]{20,60}', priority: 60 }),
  token({
    id: 'gitlab-token',
    description: 'Other GitLab tokens (deploy, pipeline trigger, feed, OAuth app secret, CI job)',
    prefixes: ['gldt-', 'glptt-', 'glft-', 'gloas-', 'glcbt-', 'glimt-', 'glagent-', 'glsoat-', 'glffct-'],
    body: '[A-Za-z0-9_\\-.]{20,80}',
    priority: 60,
  }),
];
