/**
 * The one place that reads process.env. One JSON Schema parses the environment
 * into a typed, frozen Config; defaults make the embedded mode work with nothing set.
 * Boot fails listing every problem at once, naming the variable and never its value.
 */
import path from 'node:path';
import { Ajv } from 'ajv';

/** Variables whose values are secret: never printed, never echoed in errors. */
export const secretVariables = new Set(['JWT_SECRET', 'MASTER_KEYS', 'DATABASE_URL', 'REDIS_URL']);

const envSchema = {
  type: 'object',
  properties: {
    NODE_ENV: { type: 'string', enum: ['development', 'production', 'test'], default: 'development', description: 'development, production or test' },
    HOST: { type: 'string', minLength: 1, default: '127.0.0.1', description: 'Address the HTTP server binds to' },
    PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 3000, description: 'HTTP port (0 picks a free one)' },
    DATA_DIR: { type: 'string', minLength: 1, default: './data', description: 'Embedded SQLite file and generated secrets live here' },
    DATABASE_URL: { type: 'string', pattern: '^postgres(ql)?://', description: 'PostgreSQL URL; unset means the embedded SQLite file' },
    REDIS_URL: { type: 'string', pattern: '^rediss?://', description: 'Redis URL; unset means in-process queue and rate limits' },
    JWT_SECRET: { type: 'string', minLength: 32, description: 'HS256 secret for dashboard JWTs; unset means generated once and kept in DATA_DIR' },
    JWT_TTL_SECONDS: { type: 'integer', minimum: 60, maximum: 604800, default: 3600, description: 'Lifetime of JWTs minted by POST /api/v1/auth/token' },
    LOG_LEVEL: { type: 'string', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info', description: 'pino level: fatal, error, warn, info, debug, trace or silent' },
    BODY_LIMIT_BYTES: { type: 'integer', minimum: 1024, maximum: 52428800, default: 1048576, description: 'Largest accepted request body' },
    RATE_LIMIT_PER_KEY: { type: 'integer', minimum: 1, default: 6000, description: 'Requests per minute per API key or JWT subject' },
    RATE_LIMIT_PER_IP: { type: 'integer', minimum: 1, default: 12000, description: 'Requests per minute per client IP' },
    API_KEY_CACHE_MS: { type: 'integer', minimum: 0, maximum: 300000, default: 5000, description: 'How long a verified API key is cached in-process (revocation delay); also how often the keys of live Socket.IO connections are re-checked (at least every second)' },
    SHUTDOWN_TIMEOUT_MS: { type: 'integer', minimum: 100, maximum: 600000, default: 15000, description: 'Longest wait for in-flight requests on SIGTERM' },
    TRUST_PROXY: { type: 'boolean', default: false, description: 'Trust X-Forwarded-For for the client IP' },
    MASTER_KEYS: { type: 'string', pattern: '^\\s*[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/=_-]+(\\s*,\\s*[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/=_-]+)*\\s*$', description: 'Credential encryption keys as kid:base64-32-byte-key,...; the first encrypts, the others only decrypt (rotation); unset means one generated key kept in DATA_DIR' },
    PLUGIN_PATHS: { type: 'string', description: 'Comma-separated plugin module files or folders to load in addition to built-ins and switchyard-plugin-* packages' },
    PLUGIN_PACKAGE_DIRS: { type: 'string', description: 'Comma-separated node_modules folders searched for switchyard-plugin-* packages; unset means the hub\'s own node_modules' },
    PLUGIN_START_TIMEOUT_MS: { type: 'integer', minimum: 10, maximum: 600000, default: 10000, description: 'A plugin whose setup takes longer is marked failed (the hub starts without it)' },
    PLUGIN_SETTINGS_CACHE_MS: { type: 'integer', minimum: 0, maximum: 300000, default: 5000, description: 'How long a tenant\'s stored plugin settings are cached in-process for agent and connector calls (a change made through another process takes effect within this time)' },
    PLUGIN_HTTP_TIMEOUT_MS: { type: 'integer', minimum: 100, maximum: 600000, default: 15000, description: 'Default timeout of one HTTP attempt made by a plugin through ctx.http' },
    PLUGIN_HTTP_ALLOW_ADDRESSES: { type: 'string', description: 'Comma-separated IPs or CIDR ranges plugins may reach although private or loopback (default: none; public addresses only)' },
    QUEUE_PREFIX: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,60}$', default: 'sy', description: 'Prefix of every Redis key the hub writes (queues <prefix>:runs and <prefix>:agent-requests, rate-limit counters <prefix>:rl:*); processes sharing work and rate budgets must use the same value' },
    WORKER_CONCURRENCY: { type: 'integer', minimum: 1, maximum: 1000, default: 20, description: 'Pipeline runs one worker process executes at once' },
    AGENT_REQUEST_CONCURRENCY: { type: 'integer', minimum: 1, maximum: 1000, default: 20, description: 'Agent-to-agent requests one worker process serves at once' },
    RUN_WORKER_IN_HUB: { type: 'string', enum: ['auto', 'on', 'off'], default: 'auto', description: 'Run a pipeline worker and the webhook outbox relay inside `switchyard start`; auto means on when REDIS_URL is unset (embedded mode), otherwise `switchyard worker` processes run them' },
    RUN_LEASE_MS: { type: 'integer', minimum: 200, maximum: 3600000, default: 30000, description: 'How long a worker owns a run without a heartbeat; a dead worker\'s runs are picked up after this' },
    RUN_HEARTBEAT_MS: { type: 'integer', minimum: 50, maximum: 600000, default: 10000, description: 'How often a worker renews its run leases (keep well below RUN_LEASE_MS)' },
    RUN_SWEEP_INTERVAL_MS: { type: 'integer', minimum: 100, maximum: 3600000, default: 15000, description: 'How often workers re-enqueue runs that are stored but not queued or whose lease expired' },
    PIPELINE_SITE_CONCURRENCY: { type: 'integer', minimum: 0, maximum: 10000, default: 2, description: 'Default limit of simultaneous runs for the same site key (0 = unlimited); a pipeline definition may set its own' },
    REALTIME_REDIS_KEY: { type: 'string', pattern: '^[A-Za-z0-9:._-]{1,100}$', default: 'switchyard:realtime', description: 'Redis channel prefix shared by the Socket.IO Redis adapter (hubs) and emitter (workers); processes that share rooms must use the same value' },
    REALTIME_MAX_ROOMS_PER_SOCKET: { type: 'integer', minimum: 1, maximum: 10000, default: 200, description: 'Most rooms one dashboard socket may join (bounds memory per connection)' },
    WEBHOOKS_BODY_LIMIT_BYTES: { type: 'integer', minimum: 1024, maximum: 10485760, default: 262144, description: 'Largest inbound webhook body; larger requests get 413 and nothing is stored' },
    WEBHOOKS_SOURCE_CACHE_MS: { type: 'integer', minimum: 0, maximum: 300000, default: 5000, description: 'How long a tenant\'s webhook verification settings (slug, generic sources) are cached in-process; connector credentials are not cached here and apply at once' },
    WEBHOOKS_RELAY_POLL_MS: { type: 'integer', minimum: 10, maximum: 600000, default: 1000, description: 'How often the outbox relay looks for stored webhook events to process (it is also woken after each ingest)' },
    WEBHOOKS_RELAY_MAX_BACKOFF_MS: { type: 'integer', minimum: 10, maximum: 3600000, default: 30000, description: 'Longest wait before the relay retries an event whose processing failed (e.g. Redis down); events are retried forever' },
    WEBHOOKS_RETRY_SCHEDULE: { type: 'string', pattern: '^\\s*\\d+(ms|s|m|h)(\\s*,\\s*\\d+(ms|s|m|h))*\\s*$', default: '5s,5m,30m,2h,5h,10h,14h,20h,24h', description: 'Delays between outbound delivery attempts (after the first); ±20% jitter; after the last the delivery is dead-lettered' },
    WEBHOOKS_DELIVERY_TIMEOUT_MS: { type: 'integer', minimum: 100, maximum: 120000, default: 15000, description: 'Timeout of one outbound delivery attempt' },
    WEBHOOKS_DELIVERY_POLL_MS: { type: 'integer', minimum: 10, maximum: 600000, default: 1000, description: 'How often the delivery engine looks for due outbound deliveries' },
    WEBHOOKS_DELIVERY_CONCURRENCY: { type: 'integer', minimum: 1, maximum: 1000, default: 16, description: 'Outbound deliveries one process sends at once' },
    WEBHOOKS_REJECTION_LOG_SIZE: { type: 'integer', minimum: 1, maximum: 100000, default: 200, description: 'Rejected (bad signature) requests kept per tenant for auditing, oldest overwritten' },
  },
  additionalProperties: true,
} as const;

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  host: string;
  port: number;
  dataDir: string;
  databaseUrl?: string;
  redisUrl?: string;
  jwtSecret?: string;
  jwtTtlSeconds: number;
  logLevel: string;
  bodyLimitBytes: number;
  rateLimitPerKey: number;
  rateLimitPerIp: number;
  apiKeyCacheMs: number;
  shutdownTimeoutMs: number;
  trustProxy: boolean;
  /** MASTER_KEYS as given (parsed by core/secrets); undefined means the generated key. */
  masterKeys?: string;
  pluginPaths: string[];
  /** Undefined means the hub's own node_modules. */
  pluginPackageDirs?: string[];
  pluginStartTimeoutMs: number;
  pluginSettingsCacheMs: number;
  pluginHttpTimeoutMs: number;
  pluginHttpAllowAddresses: string[];
  queuePrefix: string;
  workerConcurrency: number;
  agentRequestConcurrency: number;
  runWorkerInHub: 'auto' | 'on' | 'off';
  runLeaseMs: number;
  runHeartbeatMs: number;
  runSweepIntervalMs: number;
  pipelineSiteConcurrency: number;
  realtimeRedisKey: string;
  realtimeMaxRoomsPerSocket: number;
  webhooksBodyLimitBytes: number;
  webhooksSourceCacheMs: number;
  webhooksRelayPollMs: number;
  webhooksRelayMaxBackoffMs: number;
  /** Delays in milliseconds between outbound attempts, parsed from WEBHOOKS_RETRY_SCHEDULE. */
  webhooksRetryScheduleMs: number[];
  webhooksDeliveryTimeoutMs: number;
  webhooksDeliveryPollMs: number;
  webhooksDeliveryConcurrency: number;
  webhooksRejectionLogSize: number;
}

export interface ConfigProblem {
  variable: string;
  problem: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p.variable}: ${p.problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const ajv = new Ajv({ allErrors: true, coerceTypes: true, useDefaults: true });
const validateEnv = ajv.compile(envSchema);

/** Documentation rows for the README and `switchyard config`: name, default, description. */
export function configVariables(): Array<{ name: string; default: unknown; description: string }> {
  return Object.entries(envSchema.properties).map(([name, spec]) => ({
    name,
    default: 'default' in spec ? spec.default : undefined,
    description: 'description' in spec ? spec.description : '',
  }));
}

function describeProblem(keyword: string, params: Record<string, unknown>, message: string | undefined): string {
  // ajv's own messages never contain the value, which keeps secrets out of them.
  if (keyword === 'enum') return `must be one of ${(params.allowedValues as unknown[]).join(', ')}`;
  return message ?? 'is invalid';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const known = Object.keys(envSchema.properties);
  const input: Record<string, unknown> = {};
  for (const name of known) {
    const value = env[name];
    if (value !== undefined && value !== '') input[name] = value;
  }
  if (!validateEnv(input)) {
    const problems = (validateEnv.errors ?? []).map((e) => ({
      variable: e.instancePath.replace(/^\//, '') || String(e.params.missingProperty ?? 'environment'),
      problem: describeProblem(e.keyword, e.params as Record<string, unknown>, e.message),
    }));
    throw new ConfigError(problems);
  }
  const v = input as Record<string, never>;
  return Object.freeze({
    nodeEnv: v.NODE_ENV,
    host: v.HOST,
    port: v.PORT,
    dataDir: path.resolve(v.DATA_DIR),
    databaseUrl: v.DATABASE_URL,
    redisUrl: v.REDIS_URL,
    jwtSecret: v.JWT_SECRET,
    jwtTtlSeconds: v.JWT_TTL_SECONDS,
    logLevel: v.LOG_LEVEL,
    bodyLimitBytes: v.BODY_LIMIT_BYTES,
    rateLimitPerKey: v.RATE_LIMIT_PER_KEY,
    rateLimitPerIp: v.RATE_LIMIT_PER_IP,
    apiKeyCacheMs: v.API_KEY_CACHE_MS,
    shutdownTimeoutMs: v.SHUTDOWN_TIMEOUT_MS,
    trustProxy: v.TRUST_PROXY,
    masterKeys: v.MASTER_KEYS,
    pluginPaths: splitList(v.PLUGIN_PATHS),
    pluginPackageDirs: v.PLUGIN_PACKAGE_DIRS ? splitList(v.PLUGIN_PACKAGE_DIRS).map((dir) => path.resolve(dir)) : undefined,
    pluginStartTimeoutMs: v.PLUGIN_START_TIMEOUT_MS,
    pluginSettingsCacheMs: v.PLUGIN_SETTINGS_CACHE_MS,
    pluginHttpTimeoutMs: v.PLUGIN_HTTP_TIMEOUT_MS,
    pluginHttpAllowAddresses: splitList(v.PLUGIN_HTTP_ALLOW_ADDRESSES),
    queuePrefix: v.QUEUE_PREFIX,
    workerConcurrency: v.WORKER_CONCURRENCY,
    agentRequestConcurrency: v.AGENT_REQUEST_CONCURRENCY,
    runWorkerInHub: v.RUN_WORKER_IN_HUB,
    runLeaseMs: v.RUN_LEASE_MS,
    runHeartbeatMs: v.RUN_HEARTBEAT_MS,
    runSweepIntervalMs: v.RUN_SWEEP_INTERVAL_MS,
    pipelineSiteConcurrency: v.PIPELINE_SITE_CONCURRENCY,
    realtimeRedisKey: v.REALTIME_REDIS_KEY,
    realtimeMaxRoomsPerSocket: v.REALTIME_MAX_ROOMS_PER_SOCKET,
    webhooksBodyLimitBytes: v.WEBHOOKS_BODY_LIMIT_BYTES,
    webhooksSourceCacheMs: v.WEBHOOKS_SOURCE_CACHE_MS,
    webhooksRelayPollMs: v.WEBHOOKS_RELAY_POLL_MS,
    webhooksRelayMaxBackoffMs: v.WEBHOOKS_RELAY_MAX_BACKOFF_MS,
    webhooksRetryScheduleMs: parseDurations(v.WEBHOOKS_RETRY_SCHEDULE),
    webhooksDeliveryTimeoutMs: v.WEBHOOKS_DELIVERY_TIMEOUT_MS,
    webhooksDeliveryPollMs: v.WEBHOOKS_DELIVERY_POLL_MS,
    webhooksDeliveryConcurrency: v.WEBHOOKS_DELIVERY_CONCURRENCY,
    webhooksRejectionLogSize: v.WEBHOOKS_REJECTION_LOG_SIZE,
  });
}

/** `5s,5m,2h` → milliseconds; the schema pattern has already checked the syntax. */
function parseDurations(list: string): number[] {
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  return list.split(',').map((part) => {
    const m = /^(\d+)(ms|s|m|h)$/.exec(part.trim())!;
    return Number(m[1]) * unit[m[2]];
  });
}

/** `a, b,,c` → ['a', 'b', 'c']; unset → []. */
function splitList(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/** A URL with its password removed, for logs and /readyz. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '[unparseable url]';
  }
}
