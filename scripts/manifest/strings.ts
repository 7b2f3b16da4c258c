/**
 * Every text of the manifests, French first (the default locale) and English (the override). Outlook shows these
 * in its ribbon, its add-in store and the admin center; both manifests are built from this one catalogue.
 * Limits that apply: ShortString 125 characters (XML), name.short 30, description.short 80, ribbon labels 64 (JSON).
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
      'Vos rendez-vous avec les usagers dans Outlook : ceux du jour et de la semaine, la prise de rendez-vous sur un créneau libre, '
      + 'la présence, l’absence ou l’annulation, et le rendez-vous lié à l’événement Outlook ouvert. '
      + 'Les noms des usagers restent dans l’outil de rendez-vous et ne sont jamais copiés dans Outlook.',
    groupLabel: 'Rendez-vous usagers',
    buttonLabel: 'Rendez-vous',
    buttonTooltip: 'Ouvre le volet des rendez-vous usagers : vos RDV, la prise de RDV et le RDV lié à cet élément.',
  },
  en: {
    displayName: 'Citizen appointments',
    fullName: 'Citizen appointments — public services',
    shortDescription: 'See and book citizen appointments without leaving Outlook.',
    description:
      'Your appointments with citizens in Outlook: today’s and this week’s, booking into a free slot, marking attendance, '
      + 'no-shows and cancellations, and the appointment linked to the open Outlook event. '
      + 'Citizens’ names stay in the appointment service and are never copied into Outlook.',
    groupLabel: 'Citizen appointments',
    buttonLabel: 'Appointments',
    buttonTooltip: 'Opens the citizen appointments pane: your appointments, booking, and the appointment linked to this item.',
  },
};

/** Who publishes the add-in (XML ProviderName, unified manifest developer.name: at most 32 characters). */
export const PROVIDER_NAME = 'rdv-outlook';
