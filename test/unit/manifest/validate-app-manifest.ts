/**
 * Runs AppManifestUtils.validateAgainstSchema (from @microsoft/app-manifest) in its own Node process for the
 * tests: the package loads an ES-module-only dependency (strip-bom) through require(), which Node 20.19+ does
 * but jest's module loader does not. Reads [{ document, schemaFile }] as JSON on stdin, prints the errors of
 * each (an empty list when valid) as JSON on stdout.
 *
 * One amendment: the bundled Localization schema has two patterns for `activities.activityTypes[…]` keys ending
 * in `\b]`, a lone bracket that ajv's Unicode regular expressions refuse to compile; it is escaped (`\b\]`),
 * which matches the same keys. Nothing else of the schemas is touched.
 */
import { AppManifestUtils, type AppManifest } from '@microsoft/app-manifest';
import { readFileSync } from 'node:fs';

const jobs = JSON.parse(readFileSync(0, 'utf8')) as Array<{ document: unknown; schemaFile: string }>;
const results: string[][] = [];
for (const { document, schemaFile } of jobs) {
  const schema = JSON.parse(readFileSync(schemaFile, 'utf8').replaceAll('\\\\b]', '\\\\b\\\\]'));
  results.push(await AppManifestUtils.validateAgainstSchema(document as AppManifest, schema));
}
process.stdout.write(JSON.stringify(results));
