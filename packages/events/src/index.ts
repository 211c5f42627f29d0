export { recordChange, recordChanges, type Change, type ChangeActor } from './change-log';
