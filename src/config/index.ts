export type { AcmeChallenge, Config, Listener, ListenerName, Lmtp, LogFormat, LogLevel, Profile, QueueConfig, Smarthost, SmarthostTls, SubaddressSeparator } from './types.ts';
export { LISTENER_NAMES } from './types.ts';
export { ConfigError } from './error.ts';
export { DEFAULT_CONFIG_FILE, DEFAULT_DATA_DIR, defaultConfig } from './defaults.ts';
export { isHostname } from './fields.ts';
export { loadConfig, type LoadOptions } from './load.ts';
export { POSTGRES_URL } from './schema.ts';
export { showConfig } from './show.ts';
export { formatSize, parseSize } from './size.ts';
