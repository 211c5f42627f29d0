import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_PASSWORD, demoId, ipiNameNumber as ipiOf, iswc } from '@platform/demo-data';
import { graphql, login, runCommand, startOwnPlatform, type OwnPlatform, type Session } from '@platform/testing';

/**
 * importWorks and `pnpm catalog:import`: a file is checked row by row, and then imported whole or
 * not at all, with every rejected row reported.
 */
let platform: OwnPlatform;
let gateway: string;
let spirit: Session;
let client: Session;
let dir: string;

const SPIRIT = demoId('publisher:spirit');
/** An ISWC as a file may spell it: compact. */
const iswcOf = (n: number) => iswc(n).replace(/[-.]/g, '');

const IMPORT = `mutation($csv: String!) { importWorks(csv: $csv) { rows imported songwritersCreated rejected { line column message } } }`;
const HEADER =
  'title,iswc,language,alternate_titles,writer_1_ipi,writer_1_last_name,writer_1_first_name,writer_1_society,writer_1_role,writer_1_share,writer_1_controlled,writer_2_ipi,writer_2_last_name,writer_2_role,writer_2_share';

/** n works, each written half by a new songwriter of its own and half by one shared one. */
function worksCsv(n: number, from: number): string {
  const rows = Array.from({ length: n }, (_, i) => {
    const k = from + i;
    return `Imported Work ${k},${iswcOf(k)},en,Alt ${k}|Other ${k},${ipiOf(k)},Writer${k},Ima,BMI,C,50,yes,${ipiOf(from - 1)},Shared,A,50.00`;
  });
  return [HEADER, ...rows].join('\n');
}

async function count(sql: string, values: unknown[] = []): Promise<number> {
  return Number((await platform.admin.query(sql, values)).rows[0].n);
}

async function spiritCatalog(): Promise<string> {
  const { rows } = await platform.admin.query(
    `SELECT md5(string_agg(t, ',' ORDER BY t)) AS sum FROM (
       SELECT row(w.*)::text AS t FROM works w WHERE publisher_id = $1
       UNION ALL SELECT row(ww.*)::text FROM work_writers ww WHERE publisher_id = $1
       UNION ALL SELECT row(s.*)::text FROM songwriters s WHERE publisher_id = $1
       UNION ALL SELECT row(o.id)::text FROM outbox o WHERE publisher_id = $1
       UNION ALL SELECT row(a.id)::text FROM audit_log a WHERE publisher_id = $1) x`,
    [SPIRIT],
  );
  return rows[0].sum;
}

beforeAll(async () => {
  platform = await startOwnPlatform(inject('clusterAdminUrl'), 'catalog_import');
  gateway = platform.a.gatewayUrl;
  spirit = await login(gateway, 'owner@spirit.demo', DEMO_PASSWORD);
  client = await login(gateway, 'client@songtrust.demo', DEMO_PASSWORD);
  dir = await mkdtemp(path.join(os.tmpdir(), 'catalog-import-'));
});

afterAll(async () => {
  await platform?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('importWorks', () => {
  it('imports every work of a valid file with its writers, creating the songwriters it names, and records each', async () => {
    const demoWriter = (
      await platform.admin.query(`SELECT ipi_name_number FROM songwriters WHERE id = $1`, [demoId('songwriter:spirit:3')])
    ).rows[0];
    const csv = [
      HEADER,
      `Salt Road,${iswcOf(810_000_001)},EN,Sea Road|Camino de Sal,${ipiOf(810_000_101)},Vance,Oriel,52,CA,100,,,,,`,
      `"Quoted, Title",,es,,${ipiOf(810_000_101)},,,,A,33.33,no,${demoWriter.ipi_name_number},,C,66.67`,
      `Third Import,${iswcOf(810_000_002)},,,${demoWriter.ipi_name_number},,,,,100,,,,,`,
    ].join('\r\n');
    const before = await count(`SELECT count(*) AS n FROM works WHERE publisher_id = $1`, [SPIRIT]);
    const response = await graphql(gateway, IMPORT, { csv }, { token: spirit.token });
    expect(response.errors).toBeUndefined();
    expect(response.data.importWorks).toEqual({ rows: 3, imported: 3, songwritersCreated: 1, rejected: [] });
    expect(await count(`SELECT count(*) AS n FROM works WHERE publisher_id = $1`, [SPIRIT])).toBe(before + 3);

    const found = await graphql(
      gateway,
      `
        {
          works(first: 5, filter: { search: "Quoted, Title" }) {
            edges {
              node {
                title
                language
                controlled
                writers {
                  role
                  share
                  controlled
                  songwriter {
                    name
                    society {
                      name
                    }
                  }
                }
              }
            }
          }
        }
      `,
      {},
      { token: spirit.token },
    );
    expect(found.data.works.edges[0].node).toMatchObject({
      title: 'Quoted, Title',
      language: 'es',
      controlled: true,
      writers: [
        { role: 'C', share: '66.67', controlled: true },
        { role: 'A', share: '33.33', controlled: false, songwriter: { name: 'Oriel Vance', society: { name: 'PRS' } } },
      ],
    });
    const { rows: events } = await platform.admin.query(
      `SELECT event_type, actor_type, count(*)::int AS n FROM outbox WHERE publisher_id = $1 AND actor_user_id = $2
          AND event_type IN ('work.created', 'songwriter.created') AND created_at > now() - interval '1 minute'
        GROUP BY 1, 2 ORDER BY 1`,
      [SPIRIT, spirit.userId],
    );
    expect(events).toEqual([
      { event_type: 'songwriter.created', actor_type: 'USER', n: 1 },
      { event_type: 'work.created', actor_type: 'USER', n: 3 },
    ]);
  });

  it('reports every rejected row with its line, column and reason, and imports none of the file', async () => {
    await graphql(gateway, IMPORT, { csv: `title,iswc\nTaken,${iswcOf(820_000_001)}` }, { token: spirit.token });
    const csv = [
      HEADER,
      `Fine Row,${iswcOf(820_000_002)},,,${ipiOf(820_000_100)},Fine,,,,100,,,,,`,
      `Bad Check,T0345246802,,,${ipiOf(820_000_100)},,,,,100,,,,,`,
      `Short Shares,,,,${ipiOf(820_000_100)},,,,,60,,${ipiOf(820_000_101)},Other,,30`,
      `,,,,${ipiOf(820_000_100)},,,,,100,,,,,`,
      `Unknown Writer,,,,${ipiOf(820_000_199)},,,,,100,,,,,`,
      `Twice,${iswcOf(820_000_002)},,,${ipiOf(820_000_100)},,,,,100,,,,,`,
      `Registered,${iswcOf(820_000_001)},,,${ipiOf(820_000_100)},,,,,100,,,,,`,
      `Bad Bits,,english,,${ipiOf(820_000_100)},,,,XX,100,maybe,,,,`,
      `Too,Few,Cells`,
    ].join('\n');
    const before = await spiritCatalog();
    const response = await graphql(gateway, IMPORT, { csv }, { token: spirit.token });
    expect(response.errors).toBeUndefined();
    const report = response.data.importWorks;
    expect(report).toMatchObject({ rows: 9, imported: 0, songwritersCreated: 0 });
    expect(report.rejected).toEqual([
      { line: 3, column: 'iswc', message: 'iswc T0345246802 has a wrong check digit' },
      { line: 4, column: 'writer_1_share', message: "the writers' shares add up to 90.00%; they must add up to exactly 100.00%" },
      { line: 5, column: 'title', message: 'title must not be empty' },
      {
        line: 6,
        column: 'writer_1_last_name',
        message: `No songwriter has IPI name number ${ipiOf(820_000_199)}: give their last name to create them`,
      },
      { line: 7, column: 'iswc', message: `ISWC ${iswc(820_000_002)} is also on line 2` },
      { line: 8, column: 'iswc', message: `ISWC ${iswc(820_000_001)} is already registered to another work` },
      { line: 9, column: 'language', message: 'language must be an ISO 639-1 language code such as en, es or pt' },
      { line: 9, column: 'writer_1_role', message: 'role must be one of C, A, CA, AR, AD, TR, SA, SR' },
      { line: 9, column: 'writer_1_controlled', message: 'writer_1_controlled must be yes or no' },
      { line: 10, column: '*', message: 'The row has 3 cells; the header has 15' },
    ]);
    expect(await spiritCatalog()).toBe(before);
  });

  it('refuses a file it cannot read as a whole, naming the problem', async () => {
    const cases: [string, string][] = [
      ['', 'The file is empty: it needs a header line and a row per work'],
      [
        'title,composer\nA,B',
        'Unknown column composer: a works CSV has title, iswc, language, alternate_titles and writer_N_{ipi, last_name, first_name, society, role, share, controlled}',
      ],
      ['iswc\nT0345246801', 'The header has no title column'],
      ['title,writer_1_ipi\nA,00014107338', 'writer_1 has no writer_1_share column'],
      ['title\n"unclosed', 'The file is not valid CSV'],
      [`title\n${'Row\n'.repeat(10_001)}`, 'The file has 10,001 rows; at most 10,000 are taken at once'],
    ];
    const before = await spiritCatalog();
    for (const [csv, message] of cases) {
      const response = await graphql(gateway, IMPORT, { csv }, { token: spirit.token });
      expect(response.errors?.[0], csv.slice(0, 40)).toMatchObject({
        message: expect.stringContaining(message),
        extensions: { code: 'BAD_USER_INPUT', field: 'csv' },
      });
    }
    expect(await spiritCatalog()).toBe(before);
  });

  it('needs work:import, which neither a viewer nor a client songwriter holds', async () => {
    const viewer = await login(gateway, 'viewer@dmp.demo', DEMO_PASSWORD);
    for (const session of [viewer, client]) {
      const refused = await graphql(gateway, IMPORT, { csv: 'title\nA' }, { token: session.token });
      expect(refused.errors![0]).toMatchObject({
        message: 'This needs the "work:import" permission in the active publisher',
        extensions: { code: 'FORBIDDEN' },
      });
    }
  });
});

describe('pnpm catalog:import', () => {
  const env = () => ({ DATABASE_URL: platform.urls.apiUrl, DATABASE_OWNER_URL: platform.urls.ownerUrl });

  it('imports a file with progress, as the platform, touching no other publisher', async () => {
    const file = path.join(dir, 'works.csv');
    await writeFile(file, worksCsv(2_500, 830_000_000));
    const dmpBefore = await count(`SELECT count(*) AS n FROM works WHERE publisher_id = $1`, [demoId('publisher:dmp')]);
    const before = await count(`SELECT count(*) AS n FROM works WHERE publisher_id = $1`, [SPIRIT]);
    const shared = `${ipiOf(830_000_000 - 1)}`;
    await graphql(
      gateway,
      `
        mutation ($i: SongwriterInput!) {
          createSongwriter(input: $i) {
            id
          }
        }
      `,
      { i: { lastName: 'Shared', ipiNameNumber: shared } },
      { token: spirit.token },
    );
    const run = await runCommand('catalog-import', [file, '--publisher', 'spirit'], env());
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('import: checked 2,500 rows: 0 problem(s) so far');
    expect(run.stdout).toContain('import: created 2,500 songwriters');
    expect(run.stdout).toContain('import: imported 2,500/2,500 works');
    expect(run.stdout).toMatch(/import: 2500 works and 2500 new songwriters imported into spirit in [\d.]+ s/);
    expect(await count(`SELECT count(*) AS n FROM works WHERE publisher_id = $1`, [SPIRIT])).toBe(before + 2_500);
    expect(await count(`SELECT count(*) AS n FROM works WHERE publisher_id = $1`, [demoId('publisher:dmp')])).toBe(dmpBefore);
    expect(
      await count(`SELECT count(*) AS n FROM outbox WHERE publisher_id = $1 AND actor_type = 'SYSTEM' AND event_type = 'work.created'`, [
        SPIRIT,
      ]),
    ).toBe(2_500);
    // Every imported work adds up to 100.00: the database checked each at commit.
    expect(
      await count(
        `SELECT count(*) AS n FROM (SELECT work_id FROM work_writers WHERE publisher_id = $1 GROUP BY work_id HAVING sum(share) <> 100) x`,
        [SPIRIT],
      ),
    ).toBe(0);
  });

  it('imports nothing when a row is rejected, or when it is killed halfway', async () => {
    const bad = path.join(dir, 'bad.csv');
    await writeFile(bad, `${worksCsv(300, 840_000_000)}\nLast Row,,,,${ipiOf(840_999_999)},,,,,100,,,,,\n`);
    const before = await spiritCatalog();
    const refused = await runCommand('catalog-import', [bad, '--publisher', 'spirit'], env());
    expect(refused.code).toBe(2);
    expect(refused.stdout).toContain(`line 302, writer_1_last_name: No songwriter has IPI name number ${ipiOf(840_999_999)}`);
    expect(refused.stdout).toContain('import: 1 problem(s) in 301 rows; nothing was imported');
    expect(await spiritCatalog()).toBe(before);

    const unknown = await runCommand('catalog-import', [bad, '--publisher', 'nobody'], env());
    expect(unknown).toMatchObject({ code: 1, stderr: expect.stringContaining('There is no publisher "nobody"') });

    // Killed once it has written its first batch: the transaction never commits.
    const big = path.join(dir, 'big.csv');
    await writeFile(big, worksCsv(12_000, 850_000_000));
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/catalog-import.ts', big, '--publisher', 'spirit'], {
      cwd: path.resolve(import.meta.dirname, '..'),
      env: { ...process.env, LOG_LEVEL: 'silent', ...env() },
    });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('import: imported 5,000/12,000 works')) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => reject(new Error(`the import ended before its first batch: ${output}`)));
    });
    await new Promise((resolve) => child.on('exit', resolve));
    // The server notices the dropped connection and rolls back.
    await expect
      .poll(
        async () =>
          count(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`),
        { timeout: 10_000 },
      )
      .toBe(0);
    expect(await spiritCatalog()).toBe(before);
  });
});
