import { randomUUID } from 'node:crypto';
import type { DbOrTx } from '../knex.js';
import { toIso } from '../knex.js';

export interface Tenant {
  id: string;
  slug: string;
  name: string;
  createdAt: string;
}

function toTenant(row: Record<string, unknown>): Tenant {
  return { id: String(row.id), slug: String(row.slug), name: String(row.name), createdAt: toIso(row.created_at)! };
}

export class TenantsRepo {
  constructor(private readonly db: DbOrTx) {}

  async findBySlug(slug: string): Promise<Tenant | undefined> {
    const row = await this.db('tenants').where({ slug }).first();
    return row ? toTenant(row) : undefined;
  }

  async findById(id: string): Promise<Tenant | undefined> {
    const row = await this.db('tenants').where({ id }).first();
    return row ? toTenant(row) : undefined;
  }

  async create(slug: string, name = slug): Promise<Tenant> {
    const row = { id: randomUUID(), slug, name, created_at: new Date() };
    await this.db('tenants').insert(row);
    return toTenant(row);
  }

  /** The tenant with this slug, created if it does not exist yet. */
  async ensure(slug: string): Promise<Tenant> {
    return (await this.findBySlug(slug)) ?? this.create(slug);
  }

  async list(): Promise<Tenant[]> {
    return (await this.db('tenants').orderBy('slug')).map(toTenant);
  }
}
