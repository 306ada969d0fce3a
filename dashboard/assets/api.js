/**
 * The hub's REST API, called with the signed-in credential. API keys go in
 * X-Api-Key, JWTs as bearer tokens; errors keep the hub's error code.
 */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export class Api {
  constructor(credential) {
    this.credential = credential;
  }

  headers(extra = {}) {
    const auth = this.credential.startsWith('sy_') ? { 'x-api-key': this.credential } : { authorization: `Bearer ${this.credential}` };
    return { accept: 'application/json', ...auth, ...extra };
  }

  async request(method, path, body) {
    const init = { method, headers: this.headers(body === undefined ? {} : { 'content-type': 'application/json' }) };
    if (body !== undefined) init.body = JSON.stringify(body);
    const res = await fetch(path, init);
    const text = await res.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      throw new ApiError(res.status, json?.error?.code ?? `HTTP_${res.status}`, json?.error?.message ?? res.statusText);
    }
    return json;
  }

  get(path) {
    return this.request('GET', path);
  }

  post(path, body) {
    return this.request('POST', path, body);
  }

  /** GET that answers `fallback` when the endpoint does not exist (yet) or is not allowed for this key. */
  async optional(path, fallback) {
    try {
      return await this.get(path);
    } catch (err) {
      if (err instanceof ApiError && [403, 404, 405, 501].includes(err.status)) return fallback;
      throw err;
    }
  }
}
