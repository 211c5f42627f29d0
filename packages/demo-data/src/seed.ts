import { createHash } from 'node:crypto';
import pg from 'pg';
import { hashPassword } from '@platform/auth';
import { inTransaction, syncRoleTemplatesWith } from '@platform/db/admin';
import { CLIENT_WORK_COUNT, DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_PUBLISHERS, DEMO_USERS, type DemoPublisher } from './demo-world';
import { DEMO_LANGUAGES, DEMO_SOCIETIES, ipiNameNumber, iswc, pick, seededRandom, songwriterName, title } from './random';

/**
 * Loads the demo world (publishers, accounts, role templates, users, a catalog per publisher)
 * through a superuser connection, in one transaction. Running it again changes nothing that is
 * already there, so it is safe on every `pnpm start`.
 */
export async function seedDemoData(adminUrl: string, log: (line: string) => void = console.log): Promise<void> {
  if (process.env.NODE_ENV === 'production') throw new Error('Demo data is never loaded with NODE_ENV=production');
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await inTransaction(client, async () => {
      await seedAccountsAndPublishers(client);
      await syncRoleTemplatesWith(client);
      log(`demo data: ${DEMO_PUBLISHERS.length} publishers and their role templates`);
      for (const [i, publisher] of DEMO_PUBLISHERS.entries()) {
        const created = await seedCatalog(client, publisher);
        log(
          `demo data: catalog ${i + 1}/${DEMO_PUBLISHERS.length} ${publisher.slug}: ${created ? `${publisher.works} works created` : 'already present'}`,
        );
      }
      await seedUsers(client);
      log(`demo data: ${DEMO_USERS.length} users, their memberships, account roles and platform roles`);
    });
  } finally {
    await client.end();
  }
}

/** Stable ids, so that the demo world has the same ids on every machine and every run. */
export function demoId(name: string): string {
  const hex = createHash('sha1').update(`demo:${name}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

async function seedAccountsAndPublishers(client: pg.Client): Promise<void> {
  for (const a of DEMO_ACCOUNTS) {
    // The seat limit is the plan's: no override.
    await client.query(`INSERT INTO accounts (id, name, plan) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`, [
      demoId(`account:${a.key}`),
      a.name,
      a.plan,
    ]);
  }
  for (const p of DEMO_PUBLISHERS) {
    await client.query(
      `INSERT INTO publishers (id, slug, name, type, account_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (slug) DO NOTHING`,
      [demoId(`publisher:${p.slug}`), p.slug, p.name, p.type, demoId(`account:${p.account}`)],
    );
  }
}

async function seedCatalog(client: pg.Client, publisher: DemoPublisher): Promise<boolean> {
  const publisherId = demoId(`publisher:${publisher.slug}`);
  const existing = await client.query('SELECT 1 FROM works WHERE publisher_id = $1 LIMIT 1', [publisherId]);
  if (existing.rowCount) return false;
  const random = seededRandom(publisher.slug);
  const writerIds = Array.from({ length: Math.ceil(publisher.works / 5) }, (_, i) => demoId(`songwriter:${publisher.slug}:${i}`));
  const workIds = Array.from({ length: publisher.works }, (_, i) => demoId(`work:${publisher.slug}:${i}`));
  const recordingIds = Array.from({ length: Math.ceil(publisher.works / 2) }, (_, i) => demoId(`recording:${publisher.slug}:${i}`));
  const offset = DEMO_PUBLISHERS.indexOf(publisher) * 100_000;

  const names = writerIds.map(() => songwriterName(random));
  await client.query(
    `INSERT INTO songwriters (publisher_id, id, first_name, last_name, ipi_name_number, society)
     SELECT $1, unnest($2::uuid[]), unnest($3::text[]), unnest($4::text[]), unnest($5::text[]), unnest($6::text[])`,
    [
      publisherId,
      writerIds,
      names.map((n) => n.first),
      names.map((n) => n.last),
      writerIds.map((_, i) => ipiNameNumber(offset + i + 1)),
      writerIds.map(() => pick(random, DEMO_SOCIETIES)),
    ],
  );
  // Every tenth work (from the tenth on) is a modification of the work ten before it.
  await client.query(
    `INSERT INTO works (publisher_id, id, title, iswc, language, alternate_titles, version_type, original_work_id)
     SELECT $1, unnest($2::uuid[]), unnest($3::text[]), unnest($4::text[]), unnest($5::text[]),
            string_to_array(unnest($6::text[]), '|'), unnest($7::work_version_type[]), unnest($8::uuid[])`,
    [
      publisherId,
      workIds,
      workIds.map(() => title(random)),
      workIds.map((_, i) => iswc(offset + i + 1)),
      workIds.map(() => pick(random, DEMO_LANGUAGES)),
      workIds.map(() => (random() < 0.2 ? title(random) : '')),
      workIds.map((_, i) => (i >= 10 && i % 10 === 0 ? 'MODIFICATION' : 'ORIGINAL')),
      workIds.map((_, i) => (i >= 10 && i % 10 === 0 ? workIds[i - 10]! : null)),
    ],
  );
  const links = { work: [] as string[], writer: [] as string[], share: [] as number[], role: [] as string[], controlled: [] as boolean[] };
  for (const workId of workIds) {
    const count = 1 + Math.floor(random() * 3);
    const chosen = new Set<string>();
    while (chosen.size < count) chosen.add(writerIds[Math.floor(random() * writerIds.length)]!);
    const shares = splitHundred(count);
    [...chosen].forEach((writerId, i) => {
      links.work.push(workId);
      links.writer.push(writerId);
      links.share.push(shares[i]!);
      links.role.push(count === 1 ? 'CA' : i === 0 ? 'C' : 'A');
      links.controlled.push(random() < 0.8);
    });
  }
  await client.query(
    `INSERT INTO work_writers (publisher_id, work_id, songwriter_id, share, role, controlled)
     SELECT $1, unnest($2::uuid[]), unnest($3::uuid[]), unnest($4::numeric[]), unnest($5::text[]), unnest($6::boolean[])`,
    [publisherId, links.work, links.writer, links.share, links.role, links.controlled],
  );
  await client.query(
    `INSERT INTO recordings (publisher_id, id, title, isrc, artist, duration_seconds, release_date)
     SELECT $1, unnest($2::uuid[]), unnest($3::text[]), unnest($4::text[]), unnest($5::text[]), unnest($6::int[]), unnest($7::date[])`,
    [
      publisherId,
      recordingIds,
      recordingIds.map(() => title(random)),
      recordingIds.map((_, i) => `QZDEM${String(offset + i).padStart(7, '0')}`),
      recordingIds.map(() => {
        const n = songwriterName(random);
        return `${n.first} ${n.last}`;
      }),
      recordingIds.map(() => 120 + Math.floor(random() * 240)),
      recordingIds.map(() => `${2000 + Math.floor(random() * 26)}-0${1 + Math.floor(random() * 9)}-1${Math.floor(random() * 10)}`),
    ],
  );
  await client.query(
    `INSERT INTO work_recordings (publisher_id, work_id, recording_id) SELECT $1, unnest($2::uuid[]), unnest($3::uuid[])`,
    [publisherId, recordingIds.map((_, i) => workIds[i * 2]!), recordingIds],
  );
  return true;
}

function splitHundred(parts: number): number[] {
  const base = Math.floor(10_000 / parts);
  return Array.from({ length: parts }, (_, i) => (i === 0 ? 10_000 - base * (parts - 1) : base) / 100);
}

async function seedUsers(client: pg.Client): Promise<void> {
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  for (const user of DEMO_USERS) {
    const userId = demoId(`user:${user.email}`);
    await client.query(
      `INSERT INTO users (id, email, display_name, password_hash) VALUES ($1, $2, $3, $4) ON CONFLICT (email) DO NOTHING`,
      [userId, user.email, user.displayName, passwordHash],
    );
    const songwriterId = user.writesFor ? await seedClientSongwriter(client, user.writesFor, user.displayName) : null;
    for (const [slug, roles] of Object.entries(user.memberships)) {
      const publisherId = demoId(`publisher:${slug}`);
      await client.query(
        `INSERT INTO user_publishers (publisher_id, user_id, songwriter_id) VALUES ($1, $2, $3)
         ON CONFLICT (publisher_id, user_id) DO NOTHING`,
        [publisherId, userId, user.writesFor === slug ? songwriterId : null],
      );
      for (const role of roles) {
        await client.query(
          `INSERT INTO membership_roles (publisher_id, user_id, role_id)
           SELECT $1, $2, id FROM roles WHERE publisher_id = $1 AND key = $3 ON CONFLICT DO NOTHING`,
          [publisherId, userId, role],
        );
      }
    }
    for (const [account, role] of Object.entries(user.accountRoles ?? {})) {
      await client.query(
        `INSERT INTO account_members (account_id, user_id, role_key) VALUES ($1, $2, $3) ON CONFLICT (account_id, user_id) DO NOTHING`,
        [demoId(`account:${account}`), userId, role],
      );
    }
    if (user.platformRole) {
      await client.query(
        `INSERT INTO platform_staff (user_id, role_key, granted_by) VALUES ($1, $2, 'demo data') ON CONFLICT (user_id) DO NOTHING`,
        [userId, user.platformRole],
      );
    }
  }
}

/** The client songwriter of a platform publisher, writer on a few of its many works. */
async function seedClientSongwriter(client: pg.Client, slug: string, name: string): Promise<string> {
  const publisherId = demoId(`publisher:${slug}`);
  const songwriterId = demoId(`songwriter:${slug}:client`);
  const space = name.lastIndexOf(' ');
  const inserted = await client.query(
    `INSERT INTO songwriters (publisher_id, id, first_name, last_name) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
    [publisherId, songwriterId, space > 0 ? name.slice(0, space) : null, name.slice(space + 1)],
  );
  if (inserted.rowCount) {
    const works = Array.from({ length: CLIENT_WORK_COUNT }, (_, i) => demoId(`work:${slug}:${i * 7}`));
    // The client takes a quarter of each work; the other writers' shares shrink to make room,
    // and the first of them takes what rounding left over, so each work still adds up to 100.00.
    await client.query(`UPDATE work_writers SET share = round(share * 0.75, 2) WHERE publisher_id = $1 AND work_id = ANY($2::uuid[])`, [
      publisherId,
      works,
    ]);
    await client.query(
      `UPDATE work_writers ww SET share = ww.share + 75 - t.total
         FROM (SELECT work_id, sum(share) AS total, min(songwriter_id::text)::uuid AS first FROM work_writers
                WHERE publisher_id = $1 AND work_id = ANY($2::uuid[]) GROUP BY work_id) t
        WHERE ww.publisher_id = $1 AND ww.work_id = t.work_id AND ww.songwriter_id = t.first`,
      [publisherId, works],
    );
    await client.query(`INSERT INTO work_writers (publisher_id, work_id, songwriter_id, share) SELECT $1, unnest($2::uuid[]), $3, 25`, [
      publisherId,
      works,
      songwriterId,
    ]);
  }
  return songwriterId;
}
