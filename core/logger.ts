/**
 * Structured logging (pino). Redaction is configured here once so that no
 * caller can log a credential by accident: auth headers, API keys, secrets and
 * plugin credentials are censored wherever they appear in a log object.
 */
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

const redactPaths = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.password',
  '*.secret',
  '*.apiKey',
  '*.token',
  '*.credentials',
  'credentials',
  'secret',
  'token',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'switchyard' },
      redact: { paths: redactPaths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
