/**
 * `npx tsx test/m365-emulator/ensure-ca.ts`: creates the local CA if it is missing and prints the path of its
 * certificate, for NODE_EXTRA_CA_CERTS (which Node reads only at process start, hence this separate step).
 */
import { ensureCa } from './certs';

const ca = ensureCa(process.argv[2] || undefined);
process.stdout.write(ca.caCertPath + '\n');
