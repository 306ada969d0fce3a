import { randomUUID } from 'node:crypto';
import type { DbOrTx } from '../knex.js';
import { toIso } from '../knex.js';

export interface Site {
  id: string;
  name: string;
  domain: string;
  tags: string[];
  createdAt: string;
  updatedAt: string;
}

export interface SiteInput {
  name: string;
  domain: string;
  tags?: string[];
}

function toSite(row: Record<string, unknown>): Site {
  return {
    id: String(row.id),
    name: String(row.name),
    domain: String(row.domain),
    tags: JSON.parse(String(row.tags)) as string[],
    createdAt: toIso(row.created_at)!,
    updatedAt: toIso(row.updated_at)!,
  };
}

/** Sites belong to a tenant: every method takes the tenant id and filters by it. */
export class SitesRepo {
  constructor(private readonly db: DbOrTx) {}

  async create(tenantId: string, input: SiteInput): Promise<Site> {
    const now = new Date();
    const row = {
      id: randomUUID(),
      tenant_id: tenantId,
      name: input.name,
      domain: input.domain.toLowerCase(),
      tags: JSON.stringify(input.tags ?? []),
      created_at: now,
      updated_at: now,
    };
    await this.db('sites').insert(row);
    return toSite(row);
  }

  async get(tenantId: string, id: string): Promise<Site | undefined> {
    const row = await this.db('sites').where({ tenant_id: tenantId, id }).first();
    return row ? toSite(row) : undefined;
  }

  async list(tenantId: string, options: { limit: number; offset: number }): Promise<{ items: Site[]; total: number }> {
    const [rows, [{ count }]] = await Promise.all([
      this.db('sites').where({ tenant_id: tenantId }).orderBy([{ column: 'created_at' }, { column: 'id' }]).limit(options.limit).offset(options.offset),
      this.db('sites').where({ tenant_id: tenantId }).count({ count: '*' }),
    ]);
    return { items: rows.map(toSite), total: Number(count) };
  }

  async update(tenantId: string, id: string, patch: Partial<SiteInput>): Promise<Site | undefined> {
    const changes: Record<string, unknown> = { updated_at: new Date() };
    if (patch.name !== undefined) changes.name = patch.name;
    if (patch.domain !== undefined) changes.domain = patch.domain.toLowerCase();
    if (patch.tags !== undefined) changes.tags = JSON.stringify(patch.tags);
    const count = await this.db('sites').where({ tenant_id: tenantId, id }).update(changes);
    return count > 0 ? this.get(tenantId, id) : undefined;
  }

  async remove(tenantId: string, id: string): Promise<boolean> {
    return (await this.db('sites').where({ tenant_id: tenantId, id }).delete()) > 0;
  }
}
