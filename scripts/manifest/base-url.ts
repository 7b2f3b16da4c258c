/**
 * The deployment's public base URL, as given to `npm run manifest -- --base-url …`: the service's HTTPS origin,
 * optionally with a path prefix when a reverse proxy publishes it under one (https://intranet.example.fr/rdv).
 * Outlook refuses add-in pages that are not HTTPS, so anything else is refused here with a message saying why.
 */
export class BaseUrlError extends Error {}

export interface BaseUrl {
  /** scheme://host[:port] */
  origin: string;
  /** origin + path prefix, without a trailing slash: every manifest URL starts with `${base}/`. */
  base: string;
}

export function parseBaseUrl(input: string): BaseUrl {
  const raw = input.trim();
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new BaseUrlError(`--base-url "${input}" is not a URL; give the service's public address, e.g. https://rdv.example.fr`);
  }
  if (url.protocol !== 'https:') {
    throw new BaseUrlError(`--base-url must be an https:// address (Outlook loads add-ins over HTTPS only); got "${url.protocol}" in "${input}"`);
  }
  if (!/^https:\/\/[^/?#]/i.test(raw)) {
    throw new BaseUrlError(`--base-url "${input}" is malformed: write it as https://host[:port][/path]`);
  }
  if (url.username || url.password) throw new BaseUrlError(`--base-url must not contain a user name or password ("${input}")`);
  if (url.search || url.hash || raw.includes('?') || raw.includes('#')) {
    throw new BaseUrlError(`--base-url must not contain a query (?) or a fragment (#): "${input}"`);
  }
  if (!url.hostname || url.hostname.endsWith('.')) throw new BaseUrlError(`--base-url "${input}" has no valid host name`);
  const prefix = url.pathname.replace(/\/+$/, '');
  return { origin: url.origin, base: `${url.origin}${prefix}` };
}
