/**
 * Word lists for generated demo usagers: common French first and last names, street names and communes of the
 * Vienne. Combined at random, they make plausible but fictional people; no list entry describes a real person.
 */

export const FEMALE_FIRST_NAMES = [
  'Hélène', 'Zoé', 'Chloé', 'Léa', 'Inès', 'Maëlys', 'Noémie', 'Anaïs', 'Béatrice', 'Cécile', 'Élodie', 'Gaëlle',
  'Camille', 'Manon', 'Julie', 'Sarah', 'Laura', 'Émilie', 'Aurélie', 'Sandrine', 'Nathalie', 'Valérie', 'Sophie',
  'Marine', 'Pauline', 'Charlotte', 'Justine', 'Océane', 'Clémence', 'Margaux', 'Lucie', 'Jeanne', 'Louise', 'Alice',
  'Rose', 'Ambre', 'Lina', 'Jade', 'Mila', 'Romane', 'Agathe', 'Éléonore', 'Aïcha', 'Fatoumata', 'Yasmine', 'Myriam',
  'Leïla', 'Amandine', 'Mélanie', 'Stéphanie', 'Karine', 'Ophélie', 'Solène', 'Morgane', 'Maëva', 'Anaëlle',
  'Thérèse', 'Françoise', 'Monique', 'Josiane', 'Ginette', 'Dolorès', 'Ana', 'Mariana', 'Elif',
] as const;

export const MALE_FIRST_NAMES = [
  'Jérôme', 'Loïc', 'Benoît', 'François', 'Raphaël', 'Noé', 'Théo', 'Mathéo', 'Gaël', 'Lucas', 'Hugo', 'Louis',
  'Gabriel', 'Arthur', 'Jules', 'Adam', 'Nathan', 'Tom', 'Enzo', 'Maxime', 'Nicolas', 'Julien', 'Sébastien',
  'Stéphane', 'Frédéric', 'Olivier', 'Christophe', 'Laurent', 'Thierry', 'Pascal', 'Cédric', 'Mickaël', 'Anthony',
  'Kévin', 'Romain', 'Clément', 'Antoine', 'Baptiste', 'Timothée', 'Côme', 'Élie', 'Aurélien', 'Grégoire', 'Joël',
  'Hervé', 'René', 'Gérard', 'Mohamed', 'Karim', 'Yanis', 'Ibrahima', 'Moussa', 'Samir', 'Ilyes', 'Rayan', 'Younès',
  'João', 'Tiago', 'Emre', 'Minh', 'Sacha', 'Léon', 'Marius', 'Naël',
] as const;

export const LAST_NAMES = [
  'Lefèvre', 'Girard', 'Bérard', 'Mercier', 'Fournier', 'Rousseau', 'Chevalier', 'Lemaître', 'Faure', 'Bonnet',
  'Dupré', 'Moreau', 'Lefort', 'Pelletier', 'Texier', 'Bouchet', 'Rabault', 'Guignard', 'Chauvet', 'Pouvreau',
  'Martin', 'Bernard', 'Thomas', 'Petit', 'Robert', 'Richard', 'Durand', 'Dubois', 'Laurent', 'Simon', 'Michel',
  'Leroy', 'Roux', 'David', 'Bertrand', 'Morel', 'Garnier', 'Boyer', 'Blanc', 'Gauthier', 'Perrin', 'Robin',
  'Clément', 'Morin', 'Nicolas', 'Henry', 'Roussel', 'Mathieu', 'Gautier', 'Masson', 'Marchand', 'Duval', 'Denis',
  'Dumont', 'Marie', 'Lemoine', 'Noël', 'Meyer', 'Dufour', 'Meunier', 'Brun', 'Blanchard', 'Barbier', 'Brunet',
  'Giraud', 'Joly', 'Rivière', 'Lucas', 'Brunel', 'Gaillard', 'Renaud', 'Colin', 'Vidal', 'Caron', 'Picard',
  'Roger', 'Roy', 'Aubert', 'Hoarau', 'Léger', 'Baudouin', 'Bégaud', 'Proust', 'Marot', 'Hérault', 'Chaigneau',
  'Haddad', 'Diallo', 'Nguyen', 'Da Silva', 'Martins', 'Traoré', 'Mendy', 'Yilmaz', 'Kaya', 'Ben Salah', 'Ferreira',
  'Lopes', 'Cissé', 'Belkacem', 'Tran', 'Öztürk',
] as const;

export const STREETS = [
  'rue des Lilas', 'rue du Moulin', 'avenue de la Libération', 'rue Victor-Hugo', 'rue Jean-Jaurès', 'allée des Tilleuls',
  'rue des Écoles', 'place du Marché', 'rue de la Gare', 'chemin des Vignes', 'rue Pasteur', 'impasse des Chênes',
  'rue du Clos-Fleuri', 'boulevard des Deux-Rives', 'rue de la Fontaine', 'résidence les Acacias', 'rue des Peupliers',
  'rue Saint-Jacques', 'rue des Charmes', 'allée du Parc',
] as const;

/** Communes of the Vienne with postal code and commune code (for the demo's sectorisation), grouped by the MDS that follows them. */
export interface Commune { name: string; postalCode: string; inseeCode: string }
export const COMMUNES_BY_ORGANISATION: readonly (readonly Commune[])[] = [
  [
    { name: 'Châtellerault', postalCode: '86100', inseeCode: '86066' },
    { name: 'Naintré', postalCode: '86530', inseeCode: '86174' },
    { name: 'Lencloître', postalCode: '86140', inseeCode: '86128' },
    { name: 'Cenon-sur-Vienne', postalCode: '86530', inseeCode: '86046' },
    { name: 'Dangé-Saint-Romain', postalCode: '86220', inseeCode: '86092' },
  ],
  [
    { name: 'Poitiers', postalCode: '86000', inseeCode: '86194' },
    { name: 'Saint-Benoît', postalCode: '86280', inseeCode: '86214' },
    { name: 'Ligugé', postalCode: '86240', inseeCode: '86133' },
    { name: 'Smarves', postalCode: '86240', inseeCode: '86263' },
    { name: 'Croutelle', postalCode: '86240', inseeCode: '86088' },
  ],
];

export const EXCUSED_REASONS = [
  'Enfant malade, a prévenu par téléphone',
  'Empêchement professionnel',
  'Problème de transport',
  'A demandé à reporter le rendez-vous',
  'Hospitalisation',
] as const;

export const REVOKED_REASONS = [
  'Agent en formation',
  'Fermeture exceptionnelle du site',
  'Réunion de service imprévue',
  'Agent absent (arrêt maladie)',
] as const;

export const RDV_CONTEXTS = [
  'Apporter le carnet de santé',
  'Interprétariat à prévoir',
  'Orientée par la CAF',
  'Premier contact avec le service',
  'Suite de l’entretien précédent',
  'Dossier FSL en cours',
] as const;
