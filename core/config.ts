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
    NODE_ENV: { type: 'string', enum: ['development', 'production', 'test'], default: 'development' },
    HOST: { type: 'string', minLength: 1, default: '127.0.0.1', description: 'Address the HTTP server binds to' },
    PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 3000, description: 'HTTP port (0 picks a free one)' },
    DATA_DIR: { type: 'string', minLength: 1, default: './data', description: 'Embedded SQLite file and generated secrets live here' },
    DATABASE_URL: { type: 'string', pattern: '^postgres(ql)?://', description: 'PostgreSQL URL; unset means the embedded SQLite file' },
    REDIS_URL: { type: 'string', pattern: '^rediss?://', description: 'Redis URL; unset means in-process queue and rate limits' },
    JWT_SECRET: { type: 'string', minLength: 32, description: 'HS256 secret for dashboard JWTs; unset means generated once and kept in DATA_DIR' },
    JWT_TTL_SECONDS: { type: 'integer', minimum: 60, maximum: 604800, default: 3600, description: 'Lifetime of JWTs minted by POST /api/v1/auth/token' },
    LOG_LEVEL: { type: 'string', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
    BODY_LIMIT_BYTES: { type: 'integer', minimum: 1024, maximum: 52428800, default: 1048576, description: 'Largest accepted request body' },
    RATE_LIMIT_PER_KEY: { type: 'integer', minimum: 1, default: 6000, description: 'Requests per minute per API key or JWT subject' },
    RATE_LIMIT_PER_IP: { type: 'integer', minimum: 1, default: 12000, description: 'Requests per minute per client IP' },
    API_KEY_CACHE_MS: { type: 'integer', minimum: 0, maximum: 300000, default: 5000, description: 'How long a verified API key is cached in-process (revocation delay)' },
    SHUTDOWN_TIMEOUT_MS: { type: 'integer', minimum: 100, maximum: 600000, default: 15000, description: 'Longest wait for in-flight requests on SIGTERM' },
    TRUST_PROXY: { type: 'boolean', default: false, description: 'Trust X-Forwarded-For for the client IP' },
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
  });
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
