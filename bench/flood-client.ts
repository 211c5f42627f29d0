export {}; // a module: it awaits at the top level

// The flooding client of bench/fairness.ts, in a process of its own, as one user, until the time
// is up. `burst`: every second, as many requests at once as bring it back to `concurrency` in
// flight (what a script firing a thousand pages at once does, again and again). `closed`:
// `concurrency` requests in flight, each sent again the moment it is answered (a retry storm).
// Reports its counts and the CPU it used to its parent over IPC.
interface Flood {
  url: string;
  token: string;
  query: string;
  concurrency: number;
  seconds: number;
  shape: 'burst' | 'closed';
}
const flood = JSON.parse(process.env.FLOOD ?? 'null') as Flood | null;
if (!flood || !process.send) throw new Error('run by bench/fairness.ts only');

const until = Date.now() + flood.seconds * 1000;
const counts = { sent: 0, served: 0, refused: 0, failed: 0, unfinished: 0, cpuSeconds: 0 };
const body = JSON.stringify({ query: flood.query });
let inFlight = 0;

async function send(): Promise<void> {
  counts.sent += 1;
  inFlight += 1;
  try {
    const response = await fetch(flood!.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${flood!.token}` },
      body,
      signal: AbortSignal.timeout(Math.max(1, until - Date.now())),
    });
    const answer = (await response.json()) as { errors?: unknown };
    if (response.status === 429) counts.refused += 1;
    else if (response.status === 200 && !answer.errors) counts.served += 1;
    else counts.failed += 1;
  } catch (error) {
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) counts.unfinished += 1;
    else counts.failed += 1;
  } finally {
    inFlight -= 1;
  }
}

if (flood.shape === 'closed') {
  await Promise.all(
    Array.from({ length: flood.concurrency }, async () => {
      while (Date.now() < until) await send();
    }),
  );
} else {
  const sent: Promise<void>[] = [];
  while (Date.now() < until) {
    for (let i = inFlight; i < flood.concurrency; i += 1) sent.push(send());
    await new Promise((resolve) => setTimeout(resolve, Math.min(1000, Math.max(0, until - Date.now()))));
  }
  await Promise.all(sent);
}
const cpu = process.cpuUsage();
counts.cpuSeconds = (cpu.user + cpu.system) / 1e6;
process.send(counts, () => process.exit(0));
