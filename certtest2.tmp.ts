import tls from 'node:tls';
import forge from 'node-forge';
import { issueServerCertificate, ensureCa } from './test/m365-emulator/certs';
const ca = ensureCa('/work/main/.data/certs');
for (let i = 0; i < 2500; i++) {
  const c = issueServerCertificate({ ca });
  try { tls.createSecureContext({ cert: c.cert, key: c.key }); } catch (e) {
    const cert = forge.pki.certificateFromPem(c.cert);
    console.log((e as Error).message, 'serial', cert.serialNumber, 'i', i);
    try { tls.createSecureContext({ cert: c.cert }); console.log('cert ok alone'); } catch (e2) { console.log('cert bad alone'); }
    try { tls.createSecureContext({ key: c.key }); console.log('key ok alone'); } catch (e2) { console.log('key bad alone', (e2 as Error).message); }
    break;
  }
}
