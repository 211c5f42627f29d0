// pnpm keys:rotate: development key rotation. A new key signs from now on; the old one keeps
// verifying until every token it signed has expired. A running identity service picks the
// change up within a second; verifiers fetch the new key when its first token arrives.
// In production, rotate through configuration: see README, "Signing keys".
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RETIRED_KEY_GRACE_SECONDS, rotateFileKeyRing } from '@platform/auth';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = path.resolve(process.env.DATA_DIR ?? path.join(root, '.data'));
const { retired, current } = await rotateFileKeyRing(dataDir);
console.log(
  `signing key ${current} now signs; ${retired ?? 'the previous key'} keeps verifying for ${RETIRED_KEY_GRACE_SECONDS / 60} minutes`,
);
