/**
 * The add-in's icons: one list that the manifests, the drawing script and the tests share, so that a size named in
 * a manifest always has a file of that size in addin/assets/.
 *   - ribbon/button sizes for the XML manifest (16, 32, 80 for the buttons; 64 and 128 for IconUrl and
 *     HighResolutionIconUrl, the sizes Microsoft's reference asks for);
 *   - the unified manifest's app icons: a 192 px colour icon and a 32 px white-on-transparent outline icon.
 */
export type IconStyle = 'color' | 'outline';

export interface IconFile {
  /** File name in addin/assets/ (served at <base>/addin/assets/<file>). */
  file: string;
  size: number;
  style: IconStyle;
}

export const BUTTON_ICON_SIZES = [16, 32, 80] as const;

export const ICONS: readonly IconFile[] = [
  ...[16, 32, 64, 80, 128].map((size) => ({ file: `icon-${size}.png`, size, style: 'color' as const })),
  { file: 'color.png', size: 192, style: 'color' },
  { file: 'outline.png', size: 32, style: 'outline' },
];

export const iconFile = (size: number): string => {
  const icon = ICONS.find((i) => i.style === 'color' && i.size === size && i.file.startsWith('icon-'));
  if (!icon) throw new Error(`No ${size} px icon in addin/assets`);
  return icon.file;
};

/** The unified manifest's app icons (paths inside the app package, which holds them at its root). */
export const APP_PACKAGE_ICONS = { color: 'color.png', outline: 'outline.png' } as const;

/** DSFR's "bleu France": the French state's blue, with white above 4.5:1 contrast. */
export const ACCENT_COLOR = '#000091';
