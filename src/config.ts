// The stable entry point for configuration: the parts live in config/, one file per concern.
export { ConfigError } from './config/config-error.js';
export { envSchema } from './config/env-schema.js';
export { loadConfig, type Config } from './config/load-config.js';
export { secretsInEnvironment } from './config/secrets.js';
export { SERVED_PATHS } from './config/served-paths.js';
