/**
 * `npm run manifest -- --base-url https://rdv.example.fr [--out dir] [--id guid] [--version x.y.z]`
 * Writes the Outlook add-in's manifests for one deployment: manifest.xml, manifest.json and the app package
 * (.zip) that the Microsoft 365 admin center takes (README, "For IT administrators"). Refuses a base URL that
 * is not HTTPS or not a plain https://host[:port][/path], with a message saying what to give instead.
 */
import { runManifestCli } from './manifest/cli';

process.exitCode = runManifestCli(process.argv.slice(2), { out: (l) => console.log(l), err: (l) => console.error(l) });
