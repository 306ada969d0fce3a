/**
 * Socket.IO handshake authentication. The client sends `auth: { token }`
 * holding an API key (`sy_...`) or a dashboard JWT, the same credentials the
 * REST API accepts. A socket without a valid credential never connects: the
 * client gets `connect_error` whose `data` is `{ code, message }` from the
 * error catalogue. A JWT socket is disconnected when its token expires, so a
 * token's lifetime bounds a live connection just as it bounds API calls.
 */
import type { KeyObject } from 'node:crypto';
import type { Socket } from 'socket.io';
import { HubError, isHubError, type ErrorCode } from '../errors.js';
import { looksLikeApiKey, type ApiKeyVerifier } from '../auth/api-keys.js';
import { createJwtVerifier, type JwtVerifier } from '../auth/jwt.js';
import type { Principal } from '../auth/principal.js';

/** Per-socket state kept by the realtime server. */
export interface SocketData {
  principal: Principal;
  /** Epoch ms at which the credential stops being valid (JWT `exp`); undefined when it never expires. */
  expiresAt?: number;
}

export interface HandshakeAuthOptions {
  apiKeys: ApiKeyVerifier;
  jwtKey: KeyObject;
}

/** An Error whose `data` Socket.IO forwards to the client's connect_error. */
export function socketError(code: ErrorCode, message?: string): Error & { data: { code: string; message: string } } {
  const hubError = new HubError(code, message ? { message } : {});
  const err = new Error(hubError.message) as Error & { data: { code: string; message: string } };
  err.data = { code: hubError.code, message: hubError.message };
  return err;
}

async function resolvePrincipal(token: string, options: HandshakeAuthOptions, jwts: JwtVerifier): Promise<SocketData> {
  if (looksLikeApiKey(token)) {
    const principal = await options.apiKeys.verify(token);
    if (!principal) throw socketError('HUB_ERR_AUTH_INVALID', 'The API key is invalid or revoked');
    return { principal };
  }
  try {
    const { principal, exp } = await jwts.verify(token);
    return exp === undefined ? { principal } : { principal, expiresAt: exp * 1000 };
  } catch (err) {
    if (isHubError(err)) throw socketError(err.code, err.message);
    throw err;
  }
}

/** Socket.IO middleware: sets `socket.data` or refuses the connection. */
export function handshakeAuth(options: HandshakeAuthOptions) {
  const jwts = createJwtVerifier(options.jwtKey);
  return (socket: Socket, next: (err?: Error) => void): void => {
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || token.length === 0) {
      next(socketError('HUB_ERR_AUTH_MISSING', 'Send an API key or a JWT as auth.token'));
      return;
    }
    if (token.length > 4096) {
      next(socketError('HUB_ERR_AUTH_INVALID', 'The token is invalid'));
      return;
    }
    resolvePrincipal(token, options, jwts).then(
      (data) => {
        Object.assign(socket.data as SocketData, data);
        next();
      },
      (err: Error & { data?: unknown }) => next(err.data ? err : socketError('HUB_ERR_DEPENDENCY_DOWN', 'Credentials could not be checked')),
    );
  };
}
