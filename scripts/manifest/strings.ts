/**
 * Every text of the manifests, French first (the default locale) and English (the override). Outlook shows these
 * in its ribbon, its add-in store and the admin center; both manifests are built from this one catalogue.
 * Limits that apply: 125 characters for short strings and 250 for long ones (XML: names, labels / descriptions,
 * tooltips); name.short 30, description.short 80, ribbon labels 64 (JSON). A test holds every text to them.
 */
export interface ManifestStrings {
  /** The add-in's name in Outlook and the admin center. */
  displayName: string;
  /** A longer name where there is room (unified manifest `name.full`). */
  fullName: string;
  /** One line (≤ 80 characters). */
  shortDescription: string;
  description: string;
  /** The ribbon group holding the button. */
  groupLabel: string;
  buttonLabel: string;
  buttonTooltip: string;
}

export const MANIFEST_LOCALES = { default: 'fr-FR', override: 'en-US' } as const;

export const MANIFEST_STRINGS: Record<'fr' | 'en', ManifestStrings> = {
  fr: {
    displayName: 'Rendez-vous usagers',
    fullName: 'Rendez-vous usagers — services publics',
    shortDescription: 'Voir et prendre les rendez-vous des usagers sans quitter Outlook.',
    description:
      'Vos rendez-vous usagers dans Outlook\u00a0: ceux du jour et de la semaine, la prise de RDV sur un créneau libre, '
      + 'la présence ou l’absence, et le RDV lié à l’événement ouvert. Les noms des usagers ne sont jamais copiés dans Outlook.',
    groupLabel: 'Rendez-vous usagers',
    buttonLabel: 'Rendez-vous',
    buttonTooltip: 'Ouvre le volet des rendez-vous usagers\u00a0: vos RDV, la prise de RDV et le RDV lié à cet élément.',
  },
  en: {
    displayName: 'Citizen appointments',
    fullName: 'Citizen appointments — public services',
    shortDescription: 'See and book citizen appointments without leaving Outlook.',
    description:
      'Your citizen appointments in Outlook: today’s and this week’s, booking into a free slot, attendance and no-shows, '
      + 'and the appointment linked to the open event. Citizens’ names are never copied into Outlook.',
    groupLabel: 'Citizen appointments',
    buttonLabel: 'Appointments',
    buttonTooltip: 'Opens the citizen appointments pane: your appointments, booking, and the appointment linked to this item.',
  },
};

/** Who publishes the add-in (XML ProviderName, unified manifest developer.name: at most 32 characters). */
export const PROVIDER_NAME = 'rdv-outlook';
