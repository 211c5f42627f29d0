import { beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_PASSWORD } from '@platform/demo-data';
import { auditTrailOf, codesOf, graphql, login, operation, type Session } from '@platform/testing';
import type {
  CreateRecordingMutation,
  CreateRecordingMutationVariables,
  DeleteRecordingMutation,
  DeleteRecordingMutationVariables,
  FindRecordingQuery,
  FindRecordingQueryVariables,
  UpdateRecordingMutation,
  UpdateRecordingMutationVariables,
} from './generated/operations';

/** A recording from registration to deletion, as a publisher's catalog staff sees it. */
let gateway: string;
let owner: Session;
let outsider: Session;

beforeAll(async () => {
  gateway = inject('gatewayUrl');
  owner = await login(gateway, 'owner@spirit.demo', DEMO_PASSWORD);
  outsider = await login(gateway, 'owner@dmp.demo', DEMO_PASSWORD);
});

const CREATE = operation<CreateRecordingMutation, CreateRecordingMutationVariables>(/* GraphQL */ `
  mutation CreateRecording($i: RecordingInput!) {
    createRecording(input: $i) {
      id
      title
      isrc
      durationSeconds
    }
  }
`);
const UPDATE = operation<UpdateRecordingMutation, UpdateRecordingMutationVariables>(/* GraphQL */ `
  mutation UpdateRecording($id: ID!, $i: UpdateRecordingInput!) {
    updateRecording(id: $id, input: $i) {
      id
      title
      isrc
      durationSeconds
    }
  }
`);
const DELETE = operation<DeleteRecordingMutation, DeleteRecordingMutationVariables>(/* GraphQL */ `
  mutation DeleteRecording($id: ID!) {
    deleteRecording(id: $id)
  }
`);
const FIND = operation<FindRecordingQuery, FindRecordingQueryVariables>(/* GraphQL */ `
  query FindRecording($id: ID!) {
    recording(id: $id) {
      id
      title
    }
  }
`);

describe('recordings', () => {
  it('are registered, corrected, found by title and deleted; each change is audited', async () => {
    const created = await graphql(
      gateway,
      CREATE,
      { i: { title: 'Paper Echo (Live)', isrc: 'us-rc1-76-07839', durationSeconds: 201 } },
      { token: owner.token },
    );
    expect(created.data!.createRecording).toMatchObject({ title: 'Paper Echo (Live)', isrc: 'USRC17607839', durationSeconds: 201 });
    const id = created.data!.createRecording.id as string;

    const updated = await graphql(
      gateway,
      UPDATE,
      { id, i: { title: 'Paper Echo (Live at the Roundhouse)', isrc: null } },
      { token: owner.token },
    );
    expect(updated.data!.updateRecording).toEqual({ id, title: 'Paper Echo (Live at the Roundhouse)', isrc: null, durationSeconds: 201 });

    const found = await graphql(
      gateway,
      `
        {
          recordings(filter: { titleContains: "roundhouse" }) {
            totalCount
            edges {
              node {
                id
              }
            }
          }
        }
      `,
      {},
      { token: owner.token },
    );
    expect(found.data.recordings.edges.map((e: { node: { id: string } }) => e.node.id)).toContain(id);

    expect((await graphql(gateway, DELETE, { id }, { token: owner.token })).data!.deleteRecording).toBe(id);
    expect((await graphql(gateway, FIND, { id }, { token: owner.token })).data!.recording).toBeNull();
    expect(codesOf(await graphql(gateway, DELETE, { id }, { token: owner.token }))).toEqual(['NOT_FOUND']);

    const actions = await auditTrailOf(gateway, owner.token, id);
    expect(actions).toEqual(['recording.deleted', 'recording.updated', 'recording.created']);
  });

  it('are invisible to another publisher, who can neither change nor delete them', async () => {
    const id = (await graphql(gateway, CREATE, { i: { title: 'Hollow Sky' } }, { token: owner.token })).data!.createRecording.id;
    expect((await graphql(gateway, FIND, { id }, { token: outsider.token })).data!.recording).toBeNull();
    expect(codesOf(await graphql(gateway, UPDATE, { id, i: { title: 'Taken' } }, { token: outsider.token }))).toEqual(['NOT_FOUND']);
    expect(codesOf(await graphql(gateway, DELETE, { id }, { token: outsider.token }))).toEqual(['NOT_FOUND']);
    expect((await graphql(gateway, FIND, { id }, { token: owner.token })).data!.recording).toEqual({ id, title: 'Hollow Sky' });
  });

  it('refuses a duration that is not a whole number of seconds in a day, and keeps the recording as it was', async () => {
    const id = (await graphql(gateway, CREATE, { i: { title: 'Neon Road', durationSeconds: 180 } }, { token: owner.token })).data!
      .createRecording.id;
    for (const durationSeconds of [0, 86_401]) {
      const refused = await graphql(gateway, UPDATE, { id, i: { title: 'Changed', durationSeconds } }, { token: owner.token });
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'durationSeconds' });
    }
    expect(
      (
        await graphql(
          gateway,
          `
            query ($id: ID!) {
              recording(id: $id) {
                title
                durationSeconds
              }
            }
          `,
          { id },
          { token: owner.token },
        )
      ).data.recording,
    ).toEqual({
      title: 'Neon Road',
      durationSeconds: 180,
    });
  });
});
