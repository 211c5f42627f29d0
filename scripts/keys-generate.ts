// pnpm keys:generate: prints a new ES256 signing key as a private JWK with a fresh kid, for
// AUTH_SIGNING_KEY in production. Keep it secret; give it to the identity service only.
import { generatePrivateJwk } from '@platform/auth';

console.log(JSON.stringify(await generatePrivateJwk()));
