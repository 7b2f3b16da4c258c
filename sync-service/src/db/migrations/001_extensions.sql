-- Extensions the domain schema relies on: btree_gist for the no-double-booking exclusion constraint,
-- unaccent for accent-insensitive usager search.
create extension if not exists btree_gist;
create extension if not exists unaccent;
