export { seedDemoData, demoId } from './seed';
export { CLIENT_WORK_COUNT, DEMO_PASSWORD, DEMO_PUBLISHERS, DEMO_USERS } from './demo-world';
export { ipiNameNumber, iswc } from './random';
