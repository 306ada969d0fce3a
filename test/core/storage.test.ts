import { expect } from 'chai';
import { createDb, migrateLatest, isUniqueViolation, type Db } from '../../core/db/knex.js';
import { TenantsRepo } from '../../core/db/repos/tenants-repo.js';
import { SitesRepo } from '../../core/db/repos/sites-repo.js';
import { ApiKeysRepo } from '../../core/db/repos/api-keys-repo.js';
import { createApiKey, hashApiKey } from '../../core/auth/api-keys.js';
import { forEachDialect } from '../support/databases.js';

forEachDialect('storage', (database) => {
  let db: Db;

  before(async function () {
    const d = database();
    db = createDb({ databaseUrl: d.databaseUrl, dataDir: d.dataDir, searchPath: d.searchPath });
    await migrateLatest(db);
  });
  after(async () => db.destroy());

  it('migrations are idempotent', async function () {
    expect(await migrateLatest(db)).to.deep.equal([]);
  });

  it('every migration rolls back and applies again', async function () {
    const [, rolledBack] = (await db.migrate.rollback(undefined, true)) as [number, string[]];
    expect(rolledBack).to.include('001-tenants-keys-sites').and.include('008-lean-run-writes');
    expect(await db.schema.hasTable('runs')).to.equal(false);
    const applied = await migrateLatest(db);
    expect(applied).to.deep.equal(rolledBack.slice().reverse());
    expect(await db.schema.hasTable('runs')).to.equal(true);
  });

  it("migration 010 rescales stored sale amounts to each currency's minor unit, and back", async function () {
    const migration = '010-sales-currency-minor-units';
    const [, down] = (await db.migrate.down({ name: migration })) as [number, string[]];
    expect(down).to.deep.equal([migration]);
    const tenant = await new TenantsRepo(db).ensure('minor-units');
    const now = new Date();
    // As stored before 010: hundredths whatever the currency.
    const stored = { EUR: 4999, JPY: 100050, KWD: -123 };
    await db('sales').insert(Object.entries(stored).map(([currency, minor], i) => ({
      id: `00000000-0000-4000-8000-00000000001${i}`, tenant_id: tenant.id, network: 'test', kind: minor < 0 ? 'refund' : 'sale',
      transaction_id: `minor-${currency}`, event_id: 'e', amount: '0', amount_minor: minor, currency, status: 'recorded',
      occurred_at: now, day: '2025-01-01', created_at: now,
    })));
    const amounts = async () => Object.fromEntries(((await db('sales').where({ tenant_id: tenant.id }).select('currency', 'amount_minor')) as Array<{ currency: string; amount_minor: string | number }>)
      .map((r) => [r.currency, Number(r.amount_minor)]));
    const [, up] = (await db.migrate.up({ name: migration })) as [number, string[]];
    expect(up).to.deep.equal([migration]);
    expect(await amounts()).to.deep.equal({ EUR: 4999, JPY: 1001, KWD: -1230 });
    await db.migrate.down({ name: migration });
    expect(await amounts()).to.deep.equal({ EUR: 4999, JPY: 100100, KWD: -123 });
    await db.migrate.up({ name: migration });
  });

  it('tenants: ensure creates once and finds again', async function () {
    const repo = new TenantsRepo(db);
    const a = await repo.ensure('acme');
    const again = await repo.ensure('acme');
    expect(again.id).to.equal(a.id);
    expect(a.createdAt).to.match(/^\d{4}-\d\d-\d\dT/);
  });

  it('sites are filtered by tenant on every operation', async function () {
    const tenants = new TenantsRepo(db);
    const a = await tenants.ensure('site-a');
    const b = await tenants.ensure('site-b');
    const sites = new SitesRepo(db);
    const siteA = await sites.create(a.id, { name: 'A', domain: 'A.example.com', tags: ['x'] });
    expect(siteA.domain).to.equal('a.example.com');
    expect(await sites.get(b.id, siteA.id)).to.equal(undefined);
    expect(await sites.update(b.id, siteA.id, { name: 'stolen' })).to.equal(undefined);
    expect(await sites.remove(b.id, siteA.id)).to.equal(false);
    expect((await sites.list(b.id, { limit: 10, offset: 0 })).total).to.equal(0);
    const listed = await sites.list(a.id, { limit: 10, offset: 0 });
    expect(listed.total).to.equal(1);
    expect(listed.items[0]).to.deep.include({ name: 'A', tags: ['x'] });
  });

  it('a duplicate domain for the same tenant is a unique violation on both dialects', async function () {
    const t = await new TenantsRepo(db).ensure('dupes');
    const sites = new SitesRepo(db);
    await sites.create(t.id, { name: 'one', domain: 'dup.example.com' });
    let caught: unknown;
    try {
      await sites.create(t.id, { name: 'two', domain: 'dup.example.com' });
    } catch (err) {
      caught = err;
    }
    expect(isUniqueViolation(caught)).to.equal(true);
  });

  it('api keys are stored as hashes only and revocation hides them', async function () {
    const t = await new TenantsRepo(db).ensure('keys');
    const { key, record } = await createApiKey(db, t.id, 'k', ['sites:read']);
    const rows = await db('api_keys').where({ id: record.id });
    // The whole secret part (it may itself contain '_').
    const secret = /^sy_[A-Za-z0-9]{8}_(.+)$/.exec(key)![1];
    expect(secret).to.have.length(43);
    expect(JSON.stringify(rows)).to.not.include(secret);
    expect(rows[0].key_hash).to.equal(hashApiKey(key));
    const repo = new ApiKeysRepo(db);
    expect((await repo.findActiveByHash(hashApiKey(key)))?.id).to.equal(record.id);
    expect(await repo.revoke(t.id, record.id)).to.equal(true);
    expect(await repo.findActiveByHash(hashApiKey(key))).to.equal(undefined);
    expect(await repo.revoke(t.id, record.id)).to.equal(false);
  });

  it('SQL-looking strings are stored literally', async function () {
    const t = await new TenantsRepo(db).ensure('sql');
    const name = "x'); DROP TABLE sites; --";
    const site = await new SitesRepo(db).create(t.id, { name, domain: 'sql.example.com' });
    expect((await new SitesRepo(db).get(t.id, site.id))?.name).to.equal(name);
    expect(await db.schema.hasTable('sites')).to.equal(true);
  });
});
