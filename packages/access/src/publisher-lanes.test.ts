import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { PublisherLanes } from './publisher-lanes';

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** Enters without awaiting, and records when (and whether) the turn came. */
function enterLater(lanes: PublisherLanes, key: string) {
  const state: { release: (() => void) | null; error: unknown } = { release: null, error: null };
  const done = lanes.enter(key).then(
    (release) => {
      state.release = release;
    },
    (error: unknown) => {
      state.error = error;
    },
  );
  return { state, done };
}

function expectRefusedForLoad(error: unknown): void {
  expect(error).toBeInstanceOf(GraphQLError);
  const { extensions } = error as GraphQLError;
  expect(extensions.code).toBe('RATE_LIMITED');
  expect(extensions.retryAfterSeconds).toBe(1);
  expect(extensions.http).toMatchObject({ status: 429 });
}

describe('publisher lanes', () => {
  it('lets `concurrency` requests of one publisher in at once and the next one in as a turn is given back', async () => {
    const lanes = new PublisherLanes({ concurrency: 2, queue: 5, waitMs: 10_000 });
    const first = await lanes.enter('publisher:a');
    await lanes.enter('publisher:a');
    const third = enterLater(lanes, 'publisher:a');
    await tick();
    expect(third.state.release).toBeNull();
    expect(lanes.load().get('publisher:a')).toEqual({ active: 2, waiting: 1 });
    first();
    await third.done;
    expect(third.state.release).toBeTypeOf('function');
  });

  it('never makes one publisher wait for another publisher’s requests', async () => {
    const lanes = new PublisherLanes({ concurrency: 1, queue: 5, waitMs: 10_000 });
    await lanes.enter('publisher:a');
    const waiting = enterLater(lanes, 'publisher:a');
    const other = enterLater(lanes, 'publisher:b');
    await other.done;
    expect(other.state.release).toBeTypeOf('function');
    expect(waiting.state.release).toBeNull();
  });

  it('refuses at once, with HTTP 429 and RATE_LIMITED, a request beyond the lane’s queue', async () => {
    const lanes = new PublisherLanes({ concurrency: 1, queue: 2, waitMs: 10_000 });
    await lanes.enter('publisher:a');
    const queued = [enterLater(lanes, 'publisher:a'), enterLater(lanes, 'publisher:a')];
    const beyond = enterLater(lanes, 'publisher:a');
    await beyond.done;
    expectRefusedForLoad(beyond.state.error);
    expect(queued.map((q) => q.state.error)).toEqual([null, null]);
    expect(lanes.load().get('publisher:a')).toEqual({ active: 1, waiting: 2 });
  });

  it('refuses a request that waited longer than waitMs, and the lane keeps working afterwards', async () => {
    const lanes = new PublisherLanes({ concurrency: 1, queue: 5, waitMs: 30 });
    const holder = await lanes.enter('publisher:a');
    const late = enterLater(lanes, 'publisher:a');
    await late.done;
    expectRefusedForLoad(late.state.error);
    holder();
    const next = await lanes.enter('publisher:a');
    expect(lanes.load().get('publisher:a')).toEqual({ active: 1, waiting: 0 });
    next();
  });

  it('counts a turn given back twice only once, and forgets a lane once it is idle', async () => {
    const lanes = new PublisherLanes({ concurrency: 1, queue: 5, waitMs: 10_000 });
    const release = await lanes.enter('publisher:a');
    const second = enterLater(lanes, 'publisher:a');
    const third = enterLater(lanes, 'publisher:a');
    release();
    release();
    await second.done;
    await tick();
    // Giving the first turn back twice must not have let the third request in beside the second.
    expect(third.state.release).toBeNull();
    second.state.release!();
    await third.done;
    third.state.release!();
    expect(lanes.load().size).toBe(0);
  });
});
