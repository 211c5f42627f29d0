import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_PASSWORD, DEMO_PUBLISHERS } from '@platform/demo-data';
import { graphql, login, startOwnPlatform, type GraphQLResponse, type OwnPlatform, type Session } from '@platform/testing';

/**
 * Two instances of every service on one database, as behind a load balancer (docs/scaling.md):
 * a request may reach either, and the answer must not depend on which. Many publishers at once,
 * each answer checked against its own publisher's rows.
 */
let platform: OwnPlatform;
const sessions = new Map<string, Session>();

/** One work's title by id: what each instance is asked after a write through the other. */
const WORK_TITLE = `
  query ($id: ID!) {
    work(id: $id) {
      title
    }
  }
`;

const PAGE = `{ me { id } works(first: 50) { totalCount edges { node { id title writers { share songwriter { id name } } } } } }`;

beforeAll(async () => {
  platform = await startOwnPlatform(inject('clusterAdminUrl'), 'scale_out');
  for (const { slug } of DEMO_PUBLISHERS) {
    // Signed in through one instance, used on both: the key ring and the sessions are shared.
    sessions.set(slug, await login(platform.a.gatewayUrl, `owner@${slug}.demo`, DEMO_PASSWORD));
  }
});

afterAll(async () => {
  await platform?.stop();
});

describe('two instances of every service', () => {
  it('answer every publisher the same, interleaved and concurrent, and only with its own rows', async () => {
    const ROUNDS = 5;
    const asked = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const { slug } of DEMO_PUBLISHERS) {
        for (const instance of ['a', 'b'] as const) asked.push({ slug, instance, gatewayUrl: platform[instance].gatewayUrl });
      }
    }
    // Each round's requests at once: every publisher on both instances together. The rounds one
    // after another, so that what is measured is the answers, not how the test pools queue.
    const perRound = asked.length / ROUNDS;
    const answers: GraphQLResponse[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const batch = asked.slice(round * perRound, (round + 1) * perRound);
      answers.push(...(await Promise.all(batch.map((q) => graphql(q.gatewayUrl, PAGE, {}, { token: sessions.get(q.slug)!.token })))));
    }
    const publisherOf = new Map(
      (
        await platform.admin.query<{ id: string; slug: string }>(
          `SELECT w.id, p.slug FROM works w JOIN publishers p ON p.id = w.publisher_id`,
        )
      ).rows.map((r) => [r.id, r.slug]),
    );
    const seen = new Map<string, Set<string>>();
    let checked = 0;
    asked.forEach((q, i) => {
      const answer = answers[i]!;
      expect(answer.errors).toBeUndefined();
      expect(answer.data.me.id).toBe(sessions.get(q.slug)!.userId);
      for (const { node } of answer.data.works.edges) expect(publisherOf.get(node.id)).toBe(q.slug);
      checked += answer.data.works.edges.length;
      (seen.get(q.slug) ?? seen.set(q.slug, new Set()).get(q.slug)!).add(JSON.stringify(answer.data));
    });
    console.log(
      `${asked.length} requests over 2 gateways for ${DEMO_PUBLISHERS.length} publishers, ${perRound} at once: ${checked} works, each its publisher's`,
    );
    // One answer per publisher, whichever instance and round served it.
    for (const { slug } of DEMO_PUBLISHERS) expect(seen.get(slug)?.size).toBe(1);
  });

  it('see each other’s writes at once: created through one, changed through the other', async () => {
    const spirit = sessions.get('spirit')!;
    const created = await graphql(
      platform.a.gatewayUrl,
      `
        mutation {
          createWork(input: { title: "Across Instances" }) {
            id
          }
        }
      `,
      {},
      { token: spirit.token },
    );
    expect(created.errors).toBeUndefined();
    const id = created.data.createWork.id;
    const read = await graphql(platform.b.gatewayUrl, WORK_TITLE, { id }, { token: spirit.token });
    expect(read.data.work).toEqual({ title: 'Across Instances' });
    const changed = await graphql(
      platform.b.gatewayUrl,
      `
        mutation ($id: ID!) {
          updateWork(id: $id, input: { title: "Changed Across" }) {
            title
          }
        }
      `,
      { id },
      { token: spirit.token },
    );
    expect(changed.errors).toBeUndefined();
    const again = await graphql(platform.a.gatewayUrl, WORK_TITLE, { id }, { token: spirit.token });
    expect(again.data.work).toEqual({ title: 'Changed Across' });
    // And another publisher sees it through neither.
    const outsider = sessions.get('dmp')!;
    for (const instance of [platform.a, platform.b]) {
      const probe = await graphql(instance.gatewayUrl, WORK_TITLE, { id }, { token: outsider.token });
      expect(probe.data?.work ?? null).toBeNull();
    }
  });
});
