/** Package registries: npm, PyPI, RubyGems, NuGet, Docker Hub, crates.io. */
import type { Detector } from '../detector.js';
import { token } from './build.js';

export const registryDetectors: Detector[] = [
  token({ id: 'npm-token', description: 'npm access token', prefixes: ['npm_'], body: '[A-Za-z0-9]{36}', priority: 60 }),
  token({ id: 'pypi-token', description: 'PyPI API token', prefixes: ['pypi-AgEIcHlwaS5vcmc', 'pypi-AgENdGVzdC5weXBpLm9yZw'], body: '[A-Za-z0-9_\\-]{50,300}', priority: 60 }),
  token({ id: 'rubygems-api-key', description: 'RubyGems API key', prefixes: ['rubygems_'], body: '[a-f0-9]{48}', priority: 60 }),
  token({ id: 'nuget-api-key', description: 'NuGet API key', prefixes: ['oy2'], body: '[a-z0-9]{43}', priority: 50 }),
  token({ id: 'docker-hub-pat', description: 'Docker Hub personal access token', prefixes: ['dckr_pat_'], body: '[A-Za-z0-9_\\-]{24,40}', priority: 60 }),
  token({ id: 'crates-io-token', description: 'crates.io API token', prefixes: ['cio'], body: '[A-Za-z0-9]{32}', priority: 45 }),
];
