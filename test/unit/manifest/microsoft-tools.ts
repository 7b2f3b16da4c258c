/**
 * Runs Microsoft's manifest tooling in its own Node process for the tests: @microsoft/app-manifest (also loaded
 * by office-addin-manifest) requires an ES-module-only dependency (strip-bom), which Node 20.19+ does but jest's
 * module loader does not. Reads a list of jobs as JSON on stdin, prints one result per job as JSON on stdout:
 *   - { schemaFile, document }: AppManifestUtils.validateAgainstSchema's errors (an empty list when valid);
 *   - { xmlManifestFile }: what OfficeAddinManifest.readManifestFile reads from an XML manifest.
 *
 * One amendment: the bundled Localization schema has two patterns for `activities.activityTypes[…]` keys ending
 * in `\b]`, a lone bracket that ajv's Unicode regular expressions refuse to compile; it is escaped (`\b\]`),
 * which matches the same keys. Nothing else of the schemas is touched.
 */
import { AppManifestUtils, type AppManifest } from '@microsoft/app-manifest';
import { OfficeAddinManifest } from 'office-addin-manifest';
import { readFileSync } from 'node:fs';

type Job = { schemaFile: string; document: unknown } | { xmlManifestFile: string };

const jobs = JSON.parse(readFileSync(0, 'utf8')) as Job[];
const results: unknown[] = [];
for (const job of jobs) {
  if ('xmlManifestFile' in job) {
    results.push(await OfficeAddinManifest.readManifestFile(job.xmlManifestFile));
  } else {
    const schema = JSON.parse(readFileSync(job.schemaFile, 'utf8').replaceAll('\\\\b]', '\\\\b\\\\]'));
    results.push(await AppManifestUtils.validateAgainstSchema(job.document as AppManifest, schema));
  }
}
process.stdout.write(JSON.stringify(results));
