/**
 * A cheap test for "did this container's installed packages change since the last inventory":
 * the size and modification time of the package databases syft reads (dpkg, apk, rpm) and of the
 * usual language package folders. A package manager rewrites its database on every install,
 * removal or upgrade, so OS package drift always changes the fingerprint. A language package can
 * be changed without touching its parent folder (an npm package's package.json rewritten in
 * place), so the agent also re-inventories every container after `fullInventorySeconds`.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Package databases and package folders, relative to the container's root. */
export const FINGERPRINT_PATHS: readonly string[] = [
  'var/lib/dpkg/status',
  'var/lib/dpkg/status.d',
  'lib/apk/db/installed',
  'var/lib/rpm/Packages',
  'var/lib/rpm/Packages.db',
  'var/lib/rpm/rpmdb.sqlite',
  'usr/lib/sysimage/rpm/rpmdb.sqlite',
  'usr/lib/node_modules',
  'usr/local/lib/node_modules',
  'app/node_modules',
  'usr/lib/python3/dist-packages',
];

/** Folders whose python3.X children hold site-packages / dist-packages. */
const PYTHON_PARENTS: readonly string[] = ['usr/lib', 'usr/local/lib'];

async function describe(root: string, relative: string): Promise<string | undefined> {
  try {
    const info = await stat(join(root, relative));
    return `${relative}:${info.size}:${info.mtimeMs}:${info.ino}`;
  } catch {
    return undefined;
  }
}

/** The fingerprint of the packages under `root` (a `/proc/<pid>/root`); equal strings = nothing to re-inventory. */
export async function packageFingerprint(root: string): Promise<string> {
  const paths = [...FINGERPRINT_PATHS];
  for (const parent of PYTHON_PARENTS) {
    let children: string[] = [];
    try {
      children = await readdir(join(root, parent));
    } catch {
      children = [];
    }
    for (const child of children.filter((name) => /^python3(\.\d+)?$/.test(name)).sort()) {
      paths.push(`${parent}/${child}/site-packages`, `${parent}/${child}/dist-packages`);
    }
  }
  const parts = await Promise.all(paths.map((path) => describe(root, path)));
  return parts.filter((part): part is string => part !== undefined).join('\n');
}
