import { PERMISSIONS, PUBLISHER_PERMISSIONS, scopeOf } from './catalog';
import { PLATFORM_ROLES, PUBLISHER_TYPES, ROLE_TEMPLATES } from './role-templates';

/** docs/permissions.md, generated from the catalog (`pnpm docs:permissions`); a spec keeps it current. */
export function renderPermissionsDoc(): string {
  const lines = [
    '# Permissions',
    '',
    '<!-- Generated from packages/permissions by `pnpm docs:permissions`; do not edit by hand. -->',
    '',
    'Permissions are granted in one publisher at a time, through roles. Nobody can grant a permission',
    'they do not hold, and the last active Owner of a publisher cannot be removed, suspended or demoted.',
    '',
    '## Role templates × permissions',
    '',
    `| permission | ${ROLE_TEMPLATES.map((t) => t.name).join(' | ')} |`,
    `|---|${ROLE_TEMPLATES.map(() => ':-:').join('|')}|`,
    ...PUBLISHER_PERMISSIONS.map(
      (key) => `| \`${key}\` | ${ROLE_TEMPLATES.map((t) => ((t.permissions as readonly string[]).includes(key) ? '✓' : '')).join(' | ')} |`,
    ),
    `| *publisher types* | ${ROLE_TEMPLATES.map((t) => (t.publisherTypes.length === PUBLISHER_TYPES.length ? 'all' : t.publisherTypes.join(', '))).join(' | ')} |`,
    '',
    ...ROLE_TEMPLATES.filter((t) => t.ownWorksOnly).map(
      (t) => `**${t.name}** sees and edits only works on which the member's linked songwriter is a writer (rules and row-level security).`,
    ),
    '',
    "Custom roles, directory sign-in and the partner API are features of the account's plan",
    '(the `plans` table, listed in the README under "Accounts and plans"), not of these roles.',
    '',
    '## Platform roles × permissions',
    '',
    'Held outside every publisher by the people who run the platform (`pnpm platform:grant`), in a',
    'session without a publisher (sign in with `publisher: "platform"` when also a member somewhere).',
    'They grant PLATFORM permissions only; no role of one scope grants a permission of the other.',
    '',
    `| permission | ${PLATFORM_ROLES.map((r) => `${r.name} (\`${r.key}\`)`).join(' | ')} |`,
    `|---|${PLATFORM_ROLES.map(() => ':-:').join('|')}|`,
    ...PERMISSIONS.filter((p) => scopeOf(p) === 'PLATFORM').map(
      (p) =>
        `| \`${p.key}\` | ${PLATFORM_ROLES.map((r) => ((r.permissions as readonly string[]).includes(p.key) ? '✓' : '')).join(' | ')} |`,
    ),
    '',
    '## The catalog',
    '',
    '| permission | scope | title | description | depends on | warning |',
    '|---|---|---|---|---|---|',
    ...PERMISSIONS.map(
      (p) =>
        `| \`${p.key}\` | ${scopeOf(p)} | ${p.title} | ${p.description} | ${p.dependsOn.map((d) => `\`${d}\``).join(', ')} | ${'escalationWarning' in p ? p.escalationWarning : ''} |`,
    ),
    '',
  ];
  return lines.join('\n');
}
