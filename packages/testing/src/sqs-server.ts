// The process startSqsProcess runs: fauxqs on 127.0.0.1 at the port given, until SIGTERM.
import { startEmbeddedSqs } from '@platform/events/queue';

const sqs = await startEmbeddedSqs({ port: Number(process.argv[2]) });
console.log(`listening on ${sqs.endpoint}`);
process.once('SIGTERM', () => void sqs.stop().then(() => process.exit(0)));
