import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../../sync-service/src/config';

const auth = {
  AUTH_JWKS_URL: 'https://login.microsoftonline.com/t/discovery/v2.0/keys', AUTH_ISSUER: 'https://login.microsoftonline.com/t/v2.0',
  AUTH_AUDIENCE: 'api://rdv', AUTH_TENANT_ID: 't',
};

describe('service settings', () => {
  it('should apply documented defaults and choose the embedded PostgreSQL without DATABASE_URL', () => {
    const c = loadConfig({ ...auth }, { loadDotEnv: false });
    expect(c).toMatchObject({ PORT: 3000, HOST: '127.0.0.1', DATA_DIR: '.data', EMBEDDED_PG_PORT: 54320, embedded: true, SEED_DEMO: false });
    expect(c.pgDataDir).toMatch(/\.data\/pg$/);
  });

  it('should name every wrong or missing setting in one message, with what to do', () => {
    let message = '';
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', AUTH_ISSUER: 'x', AUTH_AUDIENCE: 'y', AUTH_TENANT_ID: 'z' }, { loadDotEnv: false });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toMatch(/PORT/);
    expect(message).toMatch(/DATABASE_URL: must be a postgres:\/\/ connection string/);
    const missing = (() => { try { loadConfig({}, { loadDotEnv: false }); } catch (e) { return (e as Error).message; } return ''; })();
    expect(missing).toMatch(/AUTH_JWKS_URL: missing — the JWKS URL of your Entra ID tenant/);
    expect(missing).toMatch(/AUTH_TENANT_ID: missing/);
  });

  it('should not require the API settings for commands that do not serve the API', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@localhost/db' }, { loadDotEnv: false, requireAuth: false }).embedded).toBe(false);
  });

  it('should refuse a TLS certificate without its key, and files that do not exist', () => {
    expect(() => loadConfig({ ...auth, TLS_CERT_FILE: '/nonexistent/cert.pem' }, { loadDotEnv: false })).toThrow(/go together/);
    expect(() => loadConfig({ ...auth, TLS_CERT_FILE: '/nonexistent/cert.pem', TLS_KEY_FILE: '/nonexistent/key.pem' }, { loadDotEnv: false })).toThrow(/does not exist/);
  });

  it('should read booleans the way operators write them', () => {
    expect(loadConfig({ ...auth, SEED_DEMO: 'yes' }, { loadDotEnv: false }).SEED_DEMO).toBe(true);
    expect(() => loadConfig({ ...auth, SEED_DEMO: 'maybe' }, { loadDotEnv: false })).toThrow(/SEED_DEMO/);
  });

  it('should accept the test clock only in tests, and refuse it in any other configuration', () => {
    expect(loadConfig({ ...auth, NODE_ENV: 'test', TEST_CLOCK: '2026-12-08T10:10:00+01:00' }, { loadDotEnv: false }).TEST_CLOCK)
      .toEqual(new Date('2026-12-08T09:10:00Z'));
    for (const NODE_ENV of ['production', undefined]) {
      expect(() => loadConfig({ ...auth, NODE_ENV, TEST_CLOCK: '2026-12-08T10:10:00+01:00' }, { loadDotEnv: false })).toThrow(/TEST_CLOCK is a test-only setting/);
    }
    expect(() => loadConfig({ ...auth, NODE_ENV: 'test', TEST_CLOCK: 'tomorrow' }, { loadDotEnv: false })).toThrow(/TEST_CLOCK/);
  });

  it('should refuse the demo outbox when the service listens beyond loopback or runs in production', () => {
    expect(loadConfig({ ...auth, DEMO_OUTBOX: 'true' }, { loadDotEnv: false }).DEMO_OUTBOX).toBe(true);
    expect(loadConfig({ ...auth, DEMO_OUTBOX: 'true', HOST: 'localhost' }, { loadDotEnv: false }).DEMO_OUTBOX).toBe(true);
    expect(() => loadConfig({ ...auth, DEMO_OUTBOX: 'true', HOST: '0.0.0.0' }, { loadDotEnv: false })).toThrow(/DEMO_OUTBOX.*HOST/s);
    expect(() => loadConfig({ ...auth, DEMO_OUTBOX: 'true', NODE_ENV: 'production' }, { loadDotEnv: false })).toThrow(/DEMO_OUTBOX.*NODE_ENV=production/s);
    expect(loadConfig({ ...auth, HOST: '0.0.0.0', NODE_ENV: 'production' }, { loadDotEnv: false }).DEMO_OUTBOX).toBe(false);
  });

  it('should limit request rates by default, with limits an operator can change or turn off', () => {
    expect(loadConfig({ ...auth }, { loadDotEnv: false }).rateLimit).toEqual({ enabled: true, perToken: 600, perIp: 1200, windowSeconds: 60 });
    expect(loadConfig({ ...auth, RATE_LIMIT_PER_TOKEN: '100', RATE_LIMIT_PER_IP: '5000', RATE_LIMIT_WINDOW_SECONDS: '30' }, { loadDotEnv: false }).rateLimit)
      .toEqual({ enabled: true, perToken: 100, perIp: 5000, windowSeconds: 30 });
    expect(loadConfig({ ...auth, RATE_LIMIT_ENABLED: 'false' }, { loadDotEnv: false }).rateLimit.enabled).toBe(false);
    expect(() => loadConfig({ ...auth, RATE_LIMIT_PER_TOKEN: '0' }, { loadDotEnv: false })).toThrow(/RATE_LIMIT_PER_TOKEN/);
    expect(loadConfig({ ...auth }, { loadDotEnv: false }).TRUST_PROXY).toBe(0);
    expect(loadConfig({ ...auth, TRUST_PROXY: '1' }, { loadDotEnv: false }).TRUST_PROXY).toBe(1);
  });
});
