import { expect } from 'chai';
import { ConfigError, loadConfig, configVariables } from '../../core/config.js';
import { runCli, cleanEnv } from '../support/processes.js';
import { tempDir } from '../support/databases.js';

describe('config', function () {
  it('works with no variables set (embedded defaults)', function () {
    const config = loadConfig({});
    expect(config.port).to.equal(3000);
    expect(config.databaseUrl).to.equal(undefined);
    expect(config.redisUrl).to.equal(undefined);
    expect(config.bodyLimitBytes).to.equal(1048576);
    expect(Object.isFrozen(config)).to.equal(true);
  });

  it('coerces numbers and booleans from strings', function () {
    const config = loadConfig({ PORT: '8080', TRUST_PROXY: 'true', BODY_LIMIT_BYTES: '2048' });
    expect(config.port).to.equal(8080);
    expect(config.trustProxy).to.equal(true);
    expect(config.bodyLimitBytes).to.equal(2048);
  });

  it('lists every problem at once, naming each variable', function () {
    let error: ConfigError | undefined;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://u:hunter2@db/x', LOG_LEVEL: 'loud' });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).to.be.instanceOf(ConfigError);
    expect(error!.problems.map((p) => p.variable).sort()).to.deep.equal(['DATABASE_URL', 'LOG_LEVEL', 'PORT']);
    expect(error!.message).to.not.include('hunter2');
  });

  it('never echoes a secret value in its errors', function () {
    try {
      loadConfig({ JWT_SECRET: 'short-but-secret' });
      expect.fail('should have thrown');
    } catch (err) {
      expect((err as Error).message).to.include('JWT_SECRET');
      expect((err as Error).message).to.not.include('short-but-secret');
    }
  });

  it('documents every variable with a description', function () {
    for (const v of configVariables()) expect(v.description, v.name).to.be.a('string');
    expect(configVariables().map((v) => v.name)).to.include.members(['PORT', 'DATABASE_URL', 'REDIS_URL', 'JWT_SECRET']);
  });

  it('boot with two invalid variables prints both and exits non-zero without a stack trace', async function () {
    const result = await runCli(['start'], cleanEnv({ PORT: '-5', REDIS_URL: 'http://not-redis', DATA_DIR: tempDir('cfg') }));
    expect(result.code).to.not.equal(0);
    expect(result.stderr).to.include('PORT');
    expect(result.stderr).to.include('REDIS_URL');
    expect(result.stderr).to.not.match(/\n\s+at /); // no stack frames
    expect(result.stdout).to.not.include('hub listening');
  });
});
