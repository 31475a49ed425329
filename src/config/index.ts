export { loadConfig, parseApiKeys, ConfigError, type Config } from './load-config.js';
export { configSchema, BOOLEAN_WORDS } from './schema.js';
