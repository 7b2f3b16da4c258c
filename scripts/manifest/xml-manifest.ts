/**
 * The XML (add-in only) manifest, as Outlook on Windows (classic and new), Mac, the web and mobile accept it.
 *
 * Plain string building rather than office-addin-manifest: that package can only change the id and display name
 * of an existing file (modifyManifestFile), not URLs, and its XML round trip reformats the file. Building the
 * whole file from one function keeps every URL derived from the one base URL, and the output deterministic (the
 * committed manifest.xml is this function's output for the demo origin; a test fails if they drift).
 *
 * Structure (see learn.microsoft.com/office/dev/add-ins/develop/manifest-element-ordering and [MS-OWEMXML]):
 *   - the root part, read by clients without add-in commands: identity, names, icons, Mailbox 1.3, an ItemRead
 *     form (FormSettings is mandatory even when VersionOverrides replaces it), ReadWriteItem, activation rules;
 *   - VersionOverrides 1.0 (Mailbox 1.3): a button on messages read and on appointments (organizer and
 *     attendee) opening the task pane — for clients that stop at Mailbox 1.3/1.4 (Outlook 2016);
 *   - nested VersionOverrides 1.1 (Mailbox 1.5, which its ShowTaskpane action requires): the same buttons with
 *     SupportsPinning, so the pane stays open while the agent moves from one item to the next.
 * Desktop form factor only (Windows, Mac, the web): the task pane is built for a desktop pane, not for phones.
 * No AppDomains: the pane never navigates away from our origin. Nested app authentication signs in through
 * Outlook itself, and the Office dialog fallback opens on our origin before redirecting to Entra ID, which the
 * dialog API allows without listing the authority.
 */
import type { BaseUrl } from './base-url';
import { BUTTON_ICON_SIZES } from './icons';
import { MANIFEST_LOCALES, MANIFEST_STRINGS, PROVIDER_NAME, type ManifestStrings } from './strings';
import { addinUrls } from './urls';

/** Mailbox requirement set of the root part and of VersionOverrides 1.0: convertToRestId and saveAsync (1.3). */
export const MIN_MAILBOX = '1.3';
/** Mailbox requirement set of VersionOverrides 1.1: a ShowTaskpane action there is tied to Mailbox 1.5. */
export const MIN_MAILBOX_PINNING = '1.5';

export const COMMAND_SURFACES = [
  { extensionPoint: 'MessageReadCommandSurface', idPart: 'MsgRead' },
  { extensionPoint: 'AppointmentOrganizerCommandSurface', idPart: 'ApptOrganizer' },
  { extensionPoint: 'AppointmentAttendeeCommandSurface', idPart: 'ApptAttendee' },
] as const;

export interface XmlManifestInput {
  baseUrl: BaseUrl;
  /** GUID of the add-in. */
  id: string;
  /** Four-part version (1.2.3.0). */
  version: string;
}

const escapeXml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

const fr = MANIFEST_STRINGS.fr;
const en = MANIFEST_STRINGS.en;

/** An element with a French DefaultValue and an English override (root part). */
const localized = (indent: string, name: string, key: keyof ManifestStrings) =>
  `${indent}<${name} DefaultValue="${escapeXml(fr[key])}">\n`
  + `${indent}  <Override Locale="${MANIFEST_LOCALES.override}" Value="${escapeXml(en[key])}"/>\n`
  + `${indent}</${name}>`;

/** A bt:String with its English override (resources). */
const btString = (indent: string, id: string, key: keyof ManifestStrings) =>
  `${indent}<bt:String id="${id}" DefaultValue="${escapeXml(fr[key])}">\n`
  + `${indent}  <bt:Override Locale="${MANIFEST_LOCALES.override}" Value="${escapeXml(en[key])}"/>\n`
  + `${indent}</bt:String>`;

function hosts(indent: string, pinning: boolean): string {
  const i = (n: number) => indent + '  '.repeat(n);
  const surfaces = COMMAND_SURFACES.map(({ extensionPoint, idPart }) => [
    `${i(3)}<ExtensionPoint xsi:type="${extensionPoint}">`,
    `${i(4)}<OfficeTab id="TabDefault">`,
    `${i(5)}<Group id="rdv${idPart}Group">`,
    `${i(6)}<Label resid="Rdv.GroupLabel"/>`,
    `${i(6)}<Control xsi:type="Button" id="rdv${idPart}Open">`,
    `${i(7)}<Label resid="Rdv.ButtonLabel"/>`,
    `${i(7)}<Supertip>`,
    `${i(8)}<Title resid="Rdv.ButtonLabel"/>`,
    `${i(8)}<Description resid="Rdv.ButtonTooltip"/>`,
    `${i(7)}</Supertip>`,
    `${i(7)}<Icon>`,
    ...BUTTON_ICON_SIZES.map((size) => `${i(8)}<bt:Image size="${size}" resid="Rdv.Icon${size}"/>`),
    `${i(7)}</Icon>`,
    `${i(7)}<Action xsi:type="ShowTaskpane">`,
    `${i(8)}<SourceLocation resid="Rdv.TaskPaneUrl"/>`,
    ...(pinning ? [`${i(8)}<SupportsPinning>true</SupportsPinning>`] : []),
    `${i(7)}</Action>`,
    `${i(6)}</Control>`,
    `${i(5)}</Group>`,
    `${i(4)}</OfficeTab>`,
    `${i(3)}</ExtensionPoint>`,
  ].join('\n'));
  return [
    `${i(0)}<Hosts>`,
    `${i(1)}<Host xsi:type="MailHost">`,
    `${i(2)}<DesktopFormFactor>`,
    // Mandatory in VersionOverrides 1.0 even without ExecuteFunction commands; Outlook loads it only to run one,
    // and we have none, so it names the task pane's page rather than an empty one.
    ...(pinning ? [] : [`${i(3)}<FunctionFile resid="Rdv.TaskPaneUrl"/>`]),
    ...surfaces,
    `${i(2)}</DesktopFormFactor>`,
    `${i(1)}</Host>`,
    `${i(0)}</Hosts>`,
  ].join('\n');
}

function resources(indent: string, input: XmlManifestInput): string {
  const urls = addinUrls(input.baseUrl);
  const i = (n: number) => indent + '  '.repeat(n);
  return [
    `${i(0)}<Resources>`,
    `${i(1)}<bt:Images>`,
    ...BUTTON_ICON_SIZES.map((size) => `${i(2)}<bt:Image id="Rdv.Icon${size}" DefaultValue="${escapeXml(urls.icon(size))}"/>`),
    `${i(1)}</bt:Images>`,
    `${i(1)}<bt:Urls>`,
    `${i(2)}<bt:Url id="Rdv.TaskPaneUrl" DefaultValue="${escapeXml(urls.taskPane)}"/>`,
    `${i(1)}</bt:Urls>`,
    `${i(1)}<bt:ShortStrings>`,
    btString(i(2), 'Rdv.GroupLabel', 'groupLabel'),
    btString(i(2), 'Rdv.ButtonLabel', 'buttonLabel'),
    `${i(1)}</bt:ShortStrings>`,
    `${i(1)}<bt:LongStrings>`,
    btString(i(2), 'Rdv.ButtonTooltip', 'buttonTooltip'),
    `${i(1)}</bt:LongStrings>`,
    `${i(0)}</Resources>`,
  ].join('\n');
}

const requirements = (indent: string, minVersion: string) => [
  `${indent}<Requirements>`,
  `${indent}  <bt:Sets DefaultMinVersion="${minVersion}">`,
  `${indent}    <bt:Set Name="Mailbox"/>`,
  `${indent}  </bt:Sets>`,
  `${indent}</Requirements>`,
].join('\n');

export function buildXmlManifest(input: XmlManifestInput): string {
  const urls = addinUrls(input.baseUrl);
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Outlook add-in manifest of rdv-outlook for ${escapeXml(input.baseUrl.base)}.
     Written by "npm run manifest" (README, For IT administrators): regenerate it rather than editing it by hand. -->
<OfficeApp xmlns="http://schemas.microsoft.com/office/appforoffice/1.1"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
           xmlns:bt="http://schemas.microsoft.com/office/officeappbasictypes/1.0"
           xsi:type="MailApp">
  <Id>${input.id}</Id>
  <Version>${input.version}</Version>
  <ProviderName>${escapeXml(PROVIDER_NAME)}</ProviderName>
  <DefaultLocale>${MANIFEST_LOCALES.default}</DefaultLocale>
${localized('  ', 'DisplayName', 'displayName')}
${localized('  ', 'Description', 'description')}
  <IconUrl DefaultValue="${escapeXml(urls.icon(64))}"/>
  <HighResolutionIconUrl DefaultValue="${escapeXml(urls.icon(128))}"/>
  <SupportUrl DefaultValue="${escapeXml(urls.about)}"/>
  <Hosts>
    <Host Name="Mailbox"/>
  </Hosts>
  <Requirements>
    <Sets>
      <Set Name="Mailbox" MinVersion="${MIN_MAILBOX}"/>
    </Sets>
  </Requirements>
  <FormSettings>
    <Form xsi:type="ItemRead">
      <DesktopSettings>
        <SourceLocation DefaultValue="${escapeXml(urls.taskPane)}"/>
        <RequestedHeight>250</RequestedHeight>
      </DesktopSettings>
    </Form>
  </FormSettings>
  <Permissions>ReadWriteItem</Permissions>
  <Rule xsi:type="RuleCollection" Mode="Or">
    <Rule xsi:type="ItemIs" ItemType="Message" FormType="Read"/>
    <Rule xsi:type="ItemIs" ItemType="Appointment" FormType="ReadOrEdit"/>
  </Rule>
  <DisableEntityHighlighting>true</DisableEntityHighlighting>
  <VersionOverrides xmlns="http://schemas.microsoft.com/office/mailappversionoverrides" xsi:type="VersionOverridesV1_0">
${requirements('    ', MIN_MAILBOX)}
${hosts('    ', false)}
${resources('    ', input)}
    <VersionOverrides xmlns="http://schemas.microsoft.com/office/mailappversionoverrides/1.1" xsi:type="VersionOverridesV1_1">
${requirements('      ', MIN_MAILBOX_PINNING)}
${hosts('      ', true)}
${resources('      ', input)}
    </VersionOverrides>
  </VersionOverrides>
</OfficeApp>
`;
}
