/** Public entry point of the Microsoft 365 emulator (see README.md). */
export { startEmulator, type Emulator, type EmulatorOptions } from './server';
export type { EmulatorControl, OutlookUser, AppCredentials, LifecycleEvent, FaultAction } from './control';
export type { Fault, RequestLogEntry, EmulatorSettings, Tenant, User } from './store';
export { DEFAULT_SETTINGS } from './store';
export type { DeliveryLogEntry } from './notifier';
export { ensureCa, issueServerCertificate, serverCertificateFor, DEFAULT_CERT_DIR, type CertificateAuthority, type ServerCertificate } from './certs';
export { GRAPH_RESOURCE } from './tokens';
