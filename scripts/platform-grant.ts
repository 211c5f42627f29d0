// pnpm platform:grant <email> <role>   gives a person a platform role (platform:operator,
//                                      platform:support), replacing the one they had
// pnpm platform:grant <email> --revoke ends it
// Platform roles are granted here, by whoever holds the database's owner credentials, and never
// through the API: nobody signs themselves up as an operator. Printed and kept in platform_staff
// (granted_by: the operating-system user who ran it).
import os from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { PLATFORM_ROLES } from '@platform/permissions';
import { fail, withDatabase } from './database';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { revoke: { type: 'boolean' } } });
const [email, role] = positionals;
const roles = PLATFORM_ROLES.map((r) => r.key).join(', ');
if (!email || (!role && !values.revoke) || (role && values.revoke)) {
  fail(`usage: pnpm platform:grant <email> <role>  |  pnpm platform:grant <email> --revoke   (roles: ${roles})`);
}
if (role && !PLATFORM_ROLES.some((r) => r.key === role)) fail(`"${role}" is not a platform role; the roles are ${roles}`);

await withDatabase(async (database) => {
  const client = new pg.Client({ connectionString: database.ownerUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>('SELECT id FROM users WHERE email = lower($1)', [email]);
    const userId = rows[0]?.id;
    if (!userId) throw new Error(`No user has the email ${email}; invite them to a publisher or create the account first`);
    if (values.revoke) {
      const removed = await client.query('DELETE FROM platform_staff WHERE user_id = $1', [userId]);
      // Their platform sessions stop working at once: every request checks the role.
      console.log(removed.rowCount ? `platform:grant: ${email} holds no platform role any more` : `platform:grant: ${email} held none`);
      return;
    }
    await client.query(
      `INSERT INTO platform_staff (user_id, role_key, granted_by) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE SET role_key = $2, granted_by = $3, granted_at = now()`,
      [userId, role, os.userInfo().username],
    );
    console.log(`platform:grant: ${email} is ${role}; they sign in with publisher "platform" when they are also a member somewhere`);
  } finally {
    await client.end();
  }
}).catch(fail);
