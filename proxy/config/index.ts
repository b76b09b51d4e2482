export { ConfigSchema, DEFAULT_INTERCEPT_HOSTS, type Config, type ConfigInput } from './schema.js';
export { loadConfigFile, parseConfig } from './load.js';
export { defaultDataDir, dataPaths } from './paths.js';
export { configReferenceMarkdown } from './docs.js';
