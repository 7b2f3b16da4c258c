/**
 * The local certificate authority. One CA per checkout (default `<repo>/.data/certs/`), created once and reused, so
 * a single `ca.pem` given to NODE_EXTRA_CA_CERTS makes every process trust both the emulator and the service's own
 * HTTPS server in the demo. Keys come from node:crypto (fast); node-forge only builds and signs the certificates.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import forge from 'node-forge';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '../..');
export const DEFAULT_CERT_DIR = path.join(REPO_ROOT, '.data', 'certs');

export interface CertificateAuthority {
  certDir: string;
  caCertPath: string;
  caKeyPath: string;
  caCertPem: string;
  caKeyPem: string;
}

export interface ServerCertificate {
  cert: string;
  key: string;
  /** The CA certificate, to append to a chain or give to a client as `ca`. */
  ca: string;
}

function newKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/**
 * A certificate serial from 16 random bytes. DER wants a positive INTEGER in its shortest form: a first byte of
 * 0x01–0x7f (no sign bit, no leading zero byte, which OpenSSL refuses as "illegal padding"; the former '0' + hex
 * form made about one certificate in a few hundred unusable).
 */
export function serialFrom(random: Buffer): string {
  const bytes = Buffer.from(random.subarray(0, 16));
  bytes[0] = (bytes[0] & 0x7f) || 0x01;
  return bytes.toString('hex');
}

const serial = () => serialFrom(randomBytes(16));

function readCa(certDir: string, caCertPath: string, caKeyPath: string): CertificateAuthority {
  return { certDir, caCertPath, caKeyPath, caCertPem: readFileSync(caCertPath, 'utf8'), caKeyPem: readFileSync(caKeyPath, 'utf8') };
}

/** Waits (synchronously, briefly) for another process that is writing the CA to finish. */
function waitForFile(file: string, ms: number): boolean {
  const until = Date.now() + ms;
  const cell = new Int32Array(new SharedArrayBuffer(4));
  while (!existsSync(file)) {
    if (Date.now() > until) return false;
    Atomics.wait(cell, 0, 0, 20);
  }
  return true;
}

/**
 * Creates the CA in `certDir` if it is not there yet, and returns it. Safe when several processes start at once
 * (jest workers): the key is claimed with an exclusive link, the loser reads the winner's files.
 */
export function ensureCa(certDir: string = process.env.EMULATOR_CERT_DIR || DEFAULT_CERT_DIR): CertificateAuthority {
  const caCertPath = path.join(certDir, 'ca.pem');
  const caKeyPath = path.join(certDir, 'ca-key.pem');
  if (existsSync(caCertPath) && existsSync(caKeyPath)) return readCa(certDir, caCertPath, caKeyPath);
  if (existsSync(caKeyPath) && waitForFile(caCertPath, 5000)) return readCa(certDir, caCertPath, caKeyPath);
  mkdirSync(certDir, { recursive: true });
  const keys = newKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKeyPem);
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 24 * 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 10 * 365 * 24 * 3600_000);
  const attrs = [{ name: 'commonName', value: 'rdv-outlook local development CA' }, { name: 'organizationName', value: 'rdv-outlook (not for production)' }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keys.privateKeyPem), forge.md.sha256.create());
  const caCertPem = forge.pki.certificateToPem(cert);
  const tmp = path.join(certDir, `.ca-${process.pid}-${randomBytes(4).toString('hex')}`);
  writeFileSync(`${tmp}.key`, keys.privateKeyPem, { mode: 0o600 });
  writeFileSync(`${tmp}.pem`, caCertPem);
  try {
    linkSync(`${tmp}.key`, caKeyPath);
  } catch (e) {
    rmSync(`${tmp}.pem`, { force: true });
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    // Another process claimed the key first: use its CA.
    if (!waitForFile(caCertPath, 5000)) throw new Error(`${caKeyPath} exists without ${caCertPath}: delete both and run ensure-ca.ts again.`);
    return readCa(certDir, caCertPath, caKeyPath);
  } finally {
    rmSync(`${tmp}.key`, { force: true });
  }
  // The key was written first: a reader that sees ca.pem can rely on ca-key.pem being there.
  linkSync(`${tmp}.pem`, caCertPath);
  rmSync(`${tmp}.pem`, { force: true });
  return { certDir, caCertPath, caKeyPath, caCertPem, caKeyPem: keys.privateKeyPem };
}

/** Issues a server certificate for the given host names / IP addresses, signed by the CA (created if missing). */
export function issueServerCertificate(opts: { hosts?: string[]; certDir?: string; ca?: CertificateAuthority; days?: number; serial?: string } = {}): ServerCertificate {
  const ca = opts.ca ?? ensureCa(opts.certDir);
  const hosts = opts.hosts ?? ['127.0.0.1', 'localhost'];
  const caCert = forge.pki.certificateFromPem(ca.caCertPem);
  const caKey = forge.pki.privateKeyFromPem(ca.caKeyPem);
  const keys = newKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKeyPem);
  cert.serialNumber = opts.serial ?? serial();
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + (opts.days ?? 397) * 24 * 3600_000);
  cert.setSubject([{ name: 'commonName', value: hosts[0] }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: hosts.map((h) => (isIP(h) ? { type: 7, ip: h } : { type: 2, value: h })) },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: keys.privateKeyPem, ca: ca.caCertPem };
}

const issued = new Map<string, ServerCertificate>();

/**
 * Like issueServerCertificate, but issues once per process for the same CA folder and hosts: key generation is
 * the slow part of starting an emulator or a test receiver.
 */
export function serverCertificateFor(hosts: string[] = ['127.0.0.1', 'localhost'], certDir?: string): ServerCertificate {
  const ca = ensureCa(certDir);
  const key = `${ca.certDir}|${hosts.join(',')}|${ca.caCertPem.length}`;
  let cert = issued.get(key);
  if (!cert) {
    cert = issueServerCertificate({ ca, hosts });
    issued.set(key, cert);
  }
  return cert;
}
