// The floor for bench/catalog-path.ts, in a process of its own: the same page of works with their
// writers as the catalog answers it, served by plain `pg`, one hand-written statement and
// JSON.stringify. No Prisma, no shield, no row-level security (it connects as a superuser and
// filters by publisher itself), no token: what the hardware does with the data path alone.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';

if (!process.send) throw new Error('run by bench/catalog-path.ts only');

const PAGE = `
  SELECT w.id, w.title, w.iswc,
         (SELECT count(*)::int FROM works WHERE publisher_id = $1) AS total,
         coalesce((SELECT json_agg(json_build_object('share', ww.share::text, 'songwriter', json_build_object('id', s.id, 'name', s.name))
                                   ORDER BY ww.songwriter_id)
                     FROM work_writers ww JOIN songwriters s ON s.id = ww.songwriter_id
                    WHERE ww.publisher_id = $1 AND ww.work_id = w.id), '[]') AS writers
    FROM works w
   WHERE w.publisher_id = $1
   ORDER BY w.title, w.id
   LIMIT $2`;

interface Row {
  id: string;
  title: string;
  iswc: string | null;
  total: number;
  writers: unknown[];
}

function serve({ databaseUrl, publisherId }: { databaseUrl: string; publisherId: string }): void {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { variables?: { first?: number } };
      pool
        .query<Row>(PAGE, [publisherId, body.variables?.first ?? 20])
        .then(({ rows }) => {
          const answer = {
            data: {
              works: {
                totalCount: rows[0]?.total ?? 0,
                edges: rows.map((r) => ({ node: { id: r.id, title: r.title, iswc: r.iswc, writers: r.writers } })),
              },
            },
          };
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
        })
        .catch((error: Error) => res.writeHead(500).end(error.message));
    });
  });

  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
  process.on('message', (message) => {
    if (message === 'stop') server.close(() => void pool.end().then(() => process.exit(0)));
  });
}

process.once('message', serve);
