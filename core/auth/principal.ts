/** Who is calling: a tenant and the scopes granted, from an API key or a JWT. */
export interface Principal {
  tenantId: string;
  scopes: ReadonlySet<string>;
  /** `key:<id>` or `jwt:<sub>`: the rate-limit and audit identity. */
  subject: string;
  kind: 'api_key' | 'jwt';
}
