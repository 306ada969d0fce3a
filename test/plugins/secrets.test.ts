/** core/secrets: MASTER_KEYS parsing and the AES-256-GCM envelope (unit level). */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { decryptJson, decryptSecret, encryptJson, encryptSecret, envelopeKeyId } from '../../core/secrets/cipher.js';
import { keyringOf, parseMasterKeys } from '../../core/secrets/keyring.js';
import { keyringFromConfig } from '../../core/secrets/master-keys.js';
import { tempDir } from '../support/databases.js';

const b64 = () => randomBytes(32).toString('base64');

describe('secrets', function () {
  describe('MASTER_KEYS', function () {
    it('parses kid:key pairs, first one active, base64 or base64url', function () {
      const url = randomBytes(32).toString('base64url');
      const ring = parseMasterKeys(` new:${b64()} , old:${url}`);
      expect(ring.active.kid).to.equal('new');
      expect([...ring.byId.keys()]).to.deep.equal(['new', 'old']);
      expect(ring.byId.get('old')!.key.toString('base64url')).to.equal(url);
    });

    it('refuses malformed lists without echoing key material', function () {
      const key = b64();
      const cases = ['', 'nokid', `:${key}`, `k1:${key},k1:${key}`, `bad kid:${key}`, 'k1:c2hvcnQ=', 'k1:not*base64'];
      for (const value of cases) {
        let err: Error | undefined;
        try {
          parseMasterKeys(value);
        } catch (e) {
          err = e as Error;
        }
        expect(err, value).to.have.property('code', 'HUB_ERR_CONFIG_INVALID');
        expect(err!.message).to.match(/^MASTER_KEYS: /);
        expect(err!.message).not.to.contain(key);
      }
    });

    it('generates one key in DATA_DIR when unset, the same on every start', function () {
      const dir = tempDir('masterkey');
      const a = keyringFromConfig({ dataDir: dir });
      const b = keyringFromConfig({ dataDir: dir });
      expect(a.active.kid).to.equal('generated');
      expect(a.active.key.length).to.equal(32);
      expect(a.active.key.equals(b.active.key)).to.equal(true);
    });
  });

  describe('envelope', function () {
    const ring = keyringOf([{ kid: 'k1', key: randomBytes(32) }]);

    it('round-trips, carries its key id, and never contains the plaintext', function () {
      const env = encryptJson(ring, { apiKey: 'plain-secret-value' }, 'ctx-a');
      expect(env.kid).to.equal('k1');
      expect(envelopeKeyId(env.text)).to.equal('k1');
      expect(env.text).not.to.contain('plain-secret-value');
      expect(decryptJson(ring, env.text, 'ctx-a')).to.deep.equal({ apiKey: 'plain-secret-value' });
    });

    it('uses a fresh IV each time', function () {
      expect(encryptSecret(ring, 'same', 'c').text).not.to.equal(encryptSecret(ring, 'same', 'c').text);
    });

    it('fails on another context (tenant/plugin), a tampered byte or an unknown key', function () {
      const env = encryptSecret(ring, 'value', 'tenant-a:awin');
      expect(() => decryptSecret(ring, env.text, 'tenant-b:awin')).to.throw().with.property('code', 'HUB_ERR_SECRETS_UNREADABLE');
      const parts = env.text.split('.');
      const ct = Buffer.from(parts[4], 'base64url');
      ct[0] ^= 1;
      parts[4] = ct.toString('base64url');
      expect(() => decryptSecret(ring, parts.join('.'), 'tenant-a:awin')).to.throw().with.property('code', 'HUB_ERR_SECRETS_UNREADABLE');
      const other = keyringOf([{ kid: 'k2', key: randomBytes(32) }]);
      expect(() => decryptSecret(other, env.text, 'tenant-a:awin')).to.throw().with.property('code', 'HUB_ERR_SECRETS_KEY_UNKNOWN');
      expect(() => decryptSecret(ring, 'garbage', 'x')).to.throw().with.property('code', 'HUB_ERR_SECRETS_UNREADABLE');
    });

    it('decrypts old envelopes with a listed older key after rotation', function () {
      const k1 = { kid: 'k1', key: randomBytes(32) };
      const k2 = { kid: 'k2', key: randomBytes(32) };
      const old = encryptSecret(keyringOf([k1]), 'v', 'c');
      const rotated = keyringOf([k2, k1]);
      expect(decryptSecret(rotated, old.text, 'c')).to.equal('v');
      expect(encryptSecret(rotated, 'v', 'c').kid).to.equal('k2');
    });
  });
});
