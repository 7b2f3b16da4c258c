/** The emulator's certificates are accepted by OpenSSL whatever the random bytes of their serial number. */
import { describe, expect, it } from '@jest/globals';
import tls from 'node:tls';
import { ensureCa, issueServerCertificate, serialFrom } from '../certs';

describe('certificate serial numbers', () => {
  it('should always be a positive DER integer in its shortest form (first byte 0x01–0x7f)', () => {
    for (const first of [0x00, 0x05, 0x0f, 0x7f, 0x80, 0xff]) {
      const random = Buffer.alloc(16, 0xab);
      random[0] = first;
      const serial = serialFrom(random);
      expect(serial).toHaveLength(32);
      expect(parseInt(serial.slice(0, 2), 16)).toBeGreaterThanOrEqual(1);
      expect(parseInt(serial.slice(0, 2), 16)).toBeLessThanOrEqual(0x7f);
    }
  });

  it('should give certificates OpenSSL accepts for the serials that used to be refused as illegal padding', () => {
    const ca = ensureCa();
    for (const first of [0x00, 0x05]) {
      const random = Buffer.alloc(16, 0x42);
      random[0] = first;
      const cert = issueServerCertificate({ ca, serial: serialFrom(random) });
      expect(() => tls.createSecureContext({ cert: cert.cert + cert.ca, key: cert.key })).not.toThrow();
    }
  });
});
