/**
 * The bridge between an appointment the agent saves from the add-in (compose mode) and the sync: the add-in tags
 * the item with one of its Office.js custom properties, `rdvLink = "<rdvId>/<agentId>"` (the RdvLink value the
 * sync writes on its own events), so that the sync can recognise the item in the agent's calendar.
 *
 * Where Exchange keeps it ([MS-OXCEXT] 2.2.5 "Mail App Custom Properties", learn.microsoft.com/openspecs/
 * exchange_server_protocols/ms-oxcext/4cf1da5e-c68e-433e-a97e-c45625483481; also OfficeDev/office-js-docs-pr
 * docs/outlook/metadata-for-an-outlook-add-in.md): all custom properties of one add-in are one JSON object
 * (name → value, at most 2,500 characters) in a string named property of PS_PUBLIC_STRINGS
 * {00020329-0000-0000-C000-000000000046}, named `cecp-<ID>`, where <ID> is the manifest's <Id> lower-cased,
 * without braces or a "urn:uuid" prefix. Graph reads it as the single-value extended property
 * `String {00020329-0000-0000-C000-000000000046} Name cecp-<ID>`.
 */

/** The manifest's <Id> (manifest.xml, manifest.json; scripts/manifest builds both with it unless told another). */
export const DEFAULT_ADDIN_ID = '7e15ee45-6a2f-4110-b807-62f99a2bb437';

/** The custom property the add-in sets on an appointment it fills. */
export const ADDIN_LINK_NAME = 'rdvLink';

/** Graph's id of the extended property holding an add-in's custom properties. */
export function addinCustomPropertiesId(addinId: string): string {
  const id = addinId.toLowerCase().replace(/^urn:uuid:/, '').replace(/[{}]/g, '');
  return `String {00020329-0000-0000-C000-000000000046} Name cecp-${id}`;
}

/** The `rdvLink` custom property in the property's JSON value, or undefined when absent or unreadable. */
export function addinLinkOf(json: string | undefined): string | undefined {
  if (!json) return undefined;
  try {
    const value = (JSON.parse(json) as Record<string, unknown>)[ADDIN_LINK_NAME];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
