import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { credentialWarning, loadSyncConfig, SyncConfigError } from '../../../sync-service/src/sync/config';
import { issueServerCertificate } from '../../m365-emulator/certs';

const base = { GRAPH_TENANT_ID: 't-1', GRAPH_CLIENT_ID: 'c-1', GRAPH_CLIENT_SECRET: 's' };
const NOW = new Date('2026-12-08T09:10:00Z');

describe('Outlook sync settings', () => {
  it('should leave the sync off without GRAPH_CLIENT_ID, and apply documented defaults otherwise', () => {
    expect(loadSyncConfig({}, undefined)).toBeNull();
    const c = loadSyncConfig(base, 'https://rdv.example.fr')!;
    expect(c).toMatchObject({
      authorityHost: 'https://login.microsoftonline.com', graphBaseUrl: 'https://graph.microsoft.com', notificationUrl: 'https://rdv.example.fr/graph/notifications',
      windowPastDays: 31, windowFutureDays: 183, subscriptionMinutes: 4230,
    });
  });

  it('should name each wrong setting, and refuse both or neither of a secret and a certificate', () => {
    const wrong = () => loadSyncConfig({ ...base, GRAPH_BASE_URL: 'http://graph.local', SYNC_WINDOW_PAST_DAYS: 'many' }, undefined);
    expect(wrong).toThrow(SyncConfigError);
    expect(wrong).toThrow(/GRAPH_BASE_URL: must be an https:\/\/ URL[\s\S]*SYNC_WINDOW_PAST_DAYS: must be a whole number/);
    expect(() => loadSyncConfig({ GRAPH_TENANT_ID: 't', GRAPH_CLIENT_ID: 'c' }, undefined)).toThrow(/set exactly one/);
    expect(() => loadSyncConfig({ ...base, GRAPH_CERTIFICATE_FILE: '/nonexistent.pem' }, undefined)).toThrow(/set exactly one/);
    expect(() => loadSyncConfig({ GRAPH_CLIENT_ID: 'c', GRAPH_CLIENT_SECRET: 's' }, undefined)).toThrow(/GRAPH_TENANT_ID: missing/);
  });

  it('should refuse half a configuration, a certificate file it cannot read and a schedule that is not cron, naming each', () => {
    expect(() => loadSyncConfig({ GRAPH_TENANT_ID: 't', GRAPH_CLIENT_SECRET: 's' }, undefined)).toThrow(/GRAPH_CLIENT_ID: missing .*GRAPH_TENANT_ID, GRAPH_CLIENT_SECRET are set/);
    expect(() => loadSyncConfig({ GRAPH_TENANT_ID: 't', GRAPH_CLIENT_ID: 'c', GRAPH_CERTIFICATE_FILE: '/nonexistent.pem' }, undefined)).toThrow(/GRAPH_CERTIFICATE_FILE: cannot read \/nonexistent.pem \(ENOENT\)/);
    expect(() => loadSyncConfig({ GRAPH_TENANT_ID: 't', GRAPH_CLIENT_ID: 'c', GRAPH_CERTIFICATE_FILE: 'package.json' }, undefined)).toThrow(/GRAPH_CERTIFICATE_FILE: package.json holds no PEM certificate/);
    expect(() => loadSyncConfig({ ...base, SYNC_RECONCILE_CRON: 'every night' }, undefined)).toThrow(/SYNC_RECONCILE_CRON: "every night" is not a cron expression/);
  });

  it("should read a certificate and its private key from one PEM file, and refuse a key of another certificate", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sync-cert-'));
    const [one, other] = [issueServerCertificate({ hosts: ['sync.example'] }), issueServerCertificate({ hosts: ['sync.example'] })];
    writeFileSync(path.join(dir, 'good.pem'), one.cert + one.key);
    writeFileSync(path.join(dir, 'mixed.pem'), one.cert + other.key);
    const env = { GRAPH_TENANT_ID: 't', GRAPH_CLIENT_ID: 'c' };
    expect(loadSyncConfig({ ...env, GRAPH_CERTIFICATE_FILE: path.join(dir, 'good.pem') }, undefined)!.credential).toMatchObject({ kind: 'certificate', thumbprint: expect.stringMatching(/^[0-9A-F]{40}$/) });
    expect(() => loadSyncConfig({ ...env, GRAPH_CERTIFICATE_FILE: path.join(dir, 'mixed.pem') }, undefined)).toThrow(/GRAPH_CERTIFICATE_FILE: the private key in .*mixed.pem does not belong to its certificate/);
  });

  it('should warn weeks ahead of a secret expiry, and when its date is unknown', () => {
    const soon = loadSyncConfig({ ...base, GRAPH_CLIENT_SECRET_EXPIRES_AT: '2026-12-18' }, undefined)!;
    expect(credentialWarning(soon, NOW)).toMatch(/Le secret .* expire dans 9 jour\(s\) \(2026-12-18\)/);
    const far = loadSyncConfig({ ...base, GRAPH_CLIENT_SECRET_EXPIRES_AT: '2027-12-18' }, undefined)!;
    expect(credentialWarning(far, NOW)).toBeNull();
    const past = loadSyncConfig({ ...base, GRAPH_CLIENT_SECRET_EXPIRES_AT: '2026-12-01' }, undefined)!;
    expect(credentialWarning(past, NOW)).toMatch(/a expiré le 2026-12-01/);
    expect(credentialWarning(loadSyncConfig(base, undefined)!, NOW)).toMatch(/GRAPH_CLIENT_SECRET_EXPIRES_AT/);
  });
});
