/**
 * The unified app manifest for Microsoft 365 (manifest.json), for tenants that deploy add-ins that way, and its
 * English localization file. Same add-in as manifest.xml: same id, same task pane, a pinnable button on messages
 * read and on appointments (organizer and attendee), French by default with English strings.
 *
 * Schema 1.24, one of those bundled in @microsoft/app-manifest (1.17 is the first with `extensions`, the Outlook
 * add-in part); the tests validate against the bundled copy. Icons are paths inside the app package (the .zip an
 * admin uploads), which holds them at its root next to manifest.json.
 */
import type { BaseUrl } from './base-url';
import { ACCENT_COLOR, APP_PACKAGE_ICONS, BUTTON_ICON_SIZES } from './icons';
import { MANIFEST_STRINGS, PROVIDER_NAME } from './strings';
import { addinUrls } from './urls';
import { MIN_MAILBOX_PINNING } from './xml-manifest';

export const JSON_MANIFEST_VERSION = '1.24';
export const JSON_SCHEMA_URL = `https://developer.microsoft.com/json-schemas/teams/v${JSON_MANIFEST_VERSION}/MicrosoftTeams.schema.json`;
export const LOCALIZATION_SCHEMA_URL = `https://developer.microsoft.com/json-schemas/teams/v${JSON_MANIFEST_VERSION}/MicrosoftTeams.Localization.schema.json`;
/** The English strings' file inside the app package. */
export const ENGLISH_FILE = 'en-us.json';

/** The unified manifest's contexts for the three command surfaces of manifest.xml. */
export const RIBBON_CONTEXTS = ['mailRead', 'meetingDetailsOrganizer', 'meetingDetailsAttendee'] as const;

export interface JsonManifestInput {
  baseUrl: BaseUrl;
  id: string;
  /** Semantic version (1.2.3). */
  version: string;
}

const fr = MANIFEST_STRINGS.fr;
const en = MANIFEST_STRINGS.en;

const mailbox = { capabilities: [{ name: 'Mailbox', minVersion: MIN_MAILBOX_PINNING }] };

export function buildJsonManifest(input: JsonManifestInput): Record<string, unknown> {
  const urls = addinUrls(input.baseUrl);
  const icons = BUTTON_ICON_SIZES.map((size) => ({ size, url: urls.icon(size) }));
  return {
    $schema: JSON_SCHEMA_URL,
    manifestVersion: JSON_MANIFEST_VERSION,
    version: input.version,
    id: input.id,
    localizationInfo: {
      defaultLanguageTag: 'fr-fr',
      additionalLanguages: [{ languageTag: 'en-us', file: ENGLISH_FILE }],
    },
    developer: { name: PROVIDER_NAME, websiteUrl: urls.about, privacyUrl: urls.privacy, termsOfUseUrl: urls.terms },
    name: { short: fr.displayName, full: fr.fullName },
    description: { short: fr.shortDescription, full: fr.description },
    icons: { color: APP_PACKAGE_ICONS.color, outline: APP_PACKAGE_ICONS.outline },
    accentColor: ACCENT_COLOR,
    authorization: {
      permissions: { resourceSpecific: [{ name: 'MailboxItem.ReadWrite.User', type: 'Delegated' }] },
    },
    extensions: [{
      // Desktop only, like manifest.xml (DesktopFormFactor): the pane is built for a desktop task pane.
      requirements: { scopes: ['mail'], formFactors: ['desktop'], ...mailbox },
      runtimes: [{
        requirements: mailbox,
        id: 'TaskPaneRuntime',
        type: 'general',
        code: { page: urls.taskPane },
        lifetime: 'short',
        actions: [{ id: 'openRdvPane', type: 'openPage', pinnable: true }],
      }],
      // From these icons the admin center derives an XML manifest for the Outlook clients that do not read the
      // unified manifest (Mac, older Windows builds); without them those clients get no add-in. The
      // high-resolution icon is declared at the 64 px logical size and is the 128 px file, as in Microsoft's sample.
      alternates: [{
        alternateIcons: { icon: { size: 64, url: urls.icon(64) }, highResolutionIcon: { size: 64, url: urls.icon(128) } },
      }],
      ribbons: [{
        contexts: [...RIBBON_CONTEXTS],
        tabs: [{
          builtInTabId: 'TabDefault',
          groups: [{
            id: 'rdvGroup',
            label: fr.groupLabel,
            icons,
            controls: [{
              id: 'rdvOpen',
              type: 'button',
              label: fr.buttonLabel,
              icons,
              supertip: { title: fr.buttonLabel, description: fr.buttonTooltip },
              actionId: 'openRdvPane',
            }],
          }],
        }],
      }],
    }],
  };
}

/** English strings of the unified manifest (keys as in the Localization schema). */
export function buildEnglishLocalization(): Record<string, string> {
  const group = 'extensions[0].ribbons[0].tabs[0].groups[0]';
  return {
    $schema: LOCALIZATION_SCHEMA_URL,
    'name.short': en.displayName,
    'name.full': en.fullName,
    'description.short': en.shortDescription,
    'description.full': en.description,
    [`${group}.label`]: en.groupLabel,
    [`${group}.controls[0].label`]: en.buttonLabel,
    [`${group}.controls[0].supertip.title`]: en.buttonLabel,
    [`${group}.controls[0].supertip.description`]: en.buttonTooltip,
  };
}
